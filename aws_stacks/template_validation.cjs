// aws-cdk-lib's built-in template validation, run in its own Node process (aws_stacks/template_validation.py).
//
// argv[2]: the folder holding aws-cdk-lib's bundled @aws/cloudformation-validate package (engine/) and its default
// Rego rules (rules/), extracted from the aws-cdk-lib package the app runs on. The engine is built at once, while the
// app builds its constructs. Each stdin line is then either {"expect": [stack, ...]}, the templates the synthesis is
// about to write, validated as each appears while the app goes on (nothing is answered), or a request
// {"stacks": [stack, ...]}, answered on one stdout line with the findings of each template, in order; a stack is
// {templatePath, stackConstructPath, accountId, region}. A request is answered from an early validation only if
// the template's bytes and the stack's fields are those validated; otherwise it is validated then.
// The options are the plugin's (tests/aws/test_template_validation.py checks them against aws-cdk-lib's own file).
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const readline = require("readline");

const IGNORE_RULES = ["W3005", "W1020", "E1018", "W9002", "W9013", "W1103"];
const EXCLUDED_SERVICES = [{ ruleId: "W3697", service: "AWS::AutoScaling" }];
const SEVERITIES = { FATAL: "error", ERROR: "error", WARN: "warning", INFO: "informational", DEBUG: "debug" };

const home = process.argv[2];
const validate = require(path.join(home, "engine"));
const rulesDir = path.join(home, "rules");
const regoRules = fs
  .readdirSync(rulesDir)
  .filter((name) => name.endsWith(".rego"))
  .sort()
  .map((name) => ({ name, content: fs.readFileSync(path.join(rulesDir, name), "utf-8") }));
const engine = new validate.CompositeEngine(regoRules.length > 0 ? { regoRules } : {});
process.stdout.write(JSON.stringify({ ready: true, version: validate.version() }) + "\n");

// Each template's findings, one per diagnostic, as CloudFormationValidatePlugin describes them; the caller groups
// equal findings across templates, as the plugin does.
function findings({ stackConstructPath, templatePath, accountId, region }, content) {
  const result = engine.validateTemplate(new validate.TemplateContent(content, templatePath), {
    detailLevel: "STANDARD",
    pseudoParameterOverrides: { accountId, region },
    exclude: { ids: IGNORE_RULES, services: EXCLUDED_SERVICES },
    severityLevel: "WARN",
  });
  return result.diagnostics.map((diagnostic) => {
    const resourceLogicalId = diagnostic.entity?.entityType === "Resource" ? diagnostic.entity.logicalId : undefined;
    const where = diagnostic.propertyPath ? `${diagnostic.propertyPath.replace(/^Properties\./, "")}: ` : "";
    return {
      ruleName: diagnostic.ruleId,
      description: `${where}${diagnostic.message}`,
      severity: SEVERITIES[diagnostic.severity] ?? "warning",
      fix: diagnostic.suggestedFix,
      ruleMetadata: diagnostic.category ? { category: diagnostic.category } : undefined,
      resource: {
        resourceLogicalId,
        constructPath: resourceLogicalId ? undefined : stackConstructPath,
        templatePath,
        locations: diagnostic.propertyPath ? [diagnostic.propertyPath] : [],
      },
    };
  });
}

// templatePath -> {key, findings}: what an early validation found, and for which bytes and stack fields.
const early = new Map();
let expected = [];
let polling;

function keyOf({ stackConstructPath, accountId, region }, content) {
  const digest = crypto.createHash("sha1").update(content).digest("hex");
  return JSON.stringify([digest, stackConstructPath, accountId ?? null, region ?? null]);
}

function validateOneWritten() {
  for (const stack of expected) {
    if (early.has(path.resolve(stack.templatePath))) continue;
    let content;
    try {
      content = fs.readFileSync(stack.templatePath);
      JSON.parse(content); // not yet written, or still being written: try again on the next tick
    } catch {
      continue;
    }
    early.set(path.resolve(stack.templatePath), { key: keyOf(stack, content), findings: findings(stack, content) });
    return; // one template per tick, so a request on stdin is read in between
  }
}

function answer(stacks) {
  clearInterval(polling);
  let answeredEarly = 0;
  const found = stacks.map((stack) => {
    const content = fs.readFileSync(stack.templatePath);
    const before = early.get(path.resolve(stack.templatePath));
    if (before && before.key === keyOf(stack, content)) {
      answeredEarly += 1;
      return before.findings;
    }
    return findings(stack, content);
  });
  return { findings: found, answeredEarly };
}

const requests = readline.createInterface({ input: process.stdin });
// The app has gone (it exited, or its synthesis failed before writing what it announced): stop polling, so the
// process ends instead of waiting for templates that will never appear.
requests.on("close", () => clearInterval(polling));
requests.on("line", (line) => {
  let reply;
  try {
    const message = JSON.parse(line);
    if (message.expect) {
      expected = message.expect;
      clearInterval(polling);
      polling = setInterval(validateOneWritten, 10);
      return;
    }
    reply = answer(message.stacks);
  } catch (error) {
    reply = { error: String(error) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
