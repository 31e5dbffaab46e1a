"""The two services' sizes and scaling on Fargate and Cloud Run, and how long their images are kept."""

from __future__ import annotations

from dataclasses import dataclass

from shared.checks import Problems, check, percent_problem, positive_problem, prefixed, range_problem
from shared.provider_facts import CLOUD_RUN_CPUS, FARGATE_MEMORY_MIB


@dataclass(frozen=True)
class ServiceSizing:
    """One service on both clouds: Fargate task size and count, Cloud Run size and instances."""

    fargate_cpu_units: int  # 1024 units = 1 vCPU
    fargate_memory_mib: int
    fargate_min_tasks: int
    fargate_max_tasks: int
    cloud_run_cpus: int
    cloud_run_memory_mib: int
    cloud_run_min_instances: int  # 0 lets the service scale to zero
    cloud_run_max_instances: int

    def problems(self) -> Problems:
        allowed = FARGATE_MEMORY_MIB.get(self.fargate_cpu_units)
        if allowed is None:
            yield (
                "fargate_cpu_units",
                f"{self.fargate_cpu_units} is not a Fargate cpu size {sorted(FARGATE_MEMORY_MIB)}",
            )
        elif self.fargate_memory_mib not in allowed:
            yield (
                "fargate_memory_mib",
                f"{self.fargate_memory_mib} MiB is not valid with {self.fargate_cpu_units} cpu units "
                f"({min(allowed)}-{max(allowed)})",
            )
        yield from check("fargate_min_tasks", range_problem(self.fargate_min_tasks, self.fargate_max_tasks))
        yield from check("fargate_max_tasks", positive_problem(self.fargate_max_tasks))
        if self.cloud_run_cpus not in CLOUD_RUN_CPUS:
            yield "cloud_run_cpus", f"{self.cloud_run_cpus} is not a Cloud Run cpu count {sorted(CLOUD_RUN_CPUS)}"
        if not 512 <= self.cloud_run_memory_mib <= 4096 * self.cloud_run_cpus:
            yield "cloud_run_memory_mib", f"{self.cloud_run_memory_mib} MiB is outside 512-{4096 * self.cloud_run_cpus}"
        yield from check(
            "cloud_run_min_instances", range_problem(self.cloud_run_min_instances, self.cloud_run_max_instances)
        )
        if not 1 <= self.cloud_run_max_instances <= 100:
            yield "cloud_run_max_instances", f"{self.cloud_run_max_instances} is outside the platform's 1-100"


@dataclass(frozen=True)
class ComputeSettings:
    api: ServiceSizing  # FastAPI (shared.contract.API)
    web: ServiceSizing  # Next.js (shared.contract.WEB)
    scale_out_requests_per_target: int  # ALB requests per task per minute before adding tasks (Cloud Run: see below)
    scale_out_cpu_percent: float  # Fargate target tracking; below the CPU alert so scaling acts first
    scale_out_memory_percent: float  # Fargate target tracking; below the memory alert
    untagged_image_expiry_days: int = 7  # ECR / Artifact Registry delete untagged images this old
    kept_images: int = 100  # ECR / Artifact Registry keep this many newest images per repository for rollbacks

    def problems(self) -> Problems:
        yield from prefixed("api", self.api.problems())
        yield from prefixed("web", self.web.problems())
        for name in ("scale_out_cpu_percent", "scale_out_memory_percent"):
            yield from check(name, percent_problem(getattr(self, name)))
        yield from check("scale_out_requests_per_target", positive_problem(self.scale_out_requests_per_target))
        for name in ("untagged_image_expiry_days", "kept_images"):
            yield from check(name, positive_problem(getattr(self, name)))
