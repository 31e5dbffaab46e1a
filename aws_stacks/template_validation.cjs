// aws-cdk-lib's built-in template validation, run in its own Node process (aws_stacks/template_validation.py).
//
// argv[2]: the folder holding aws-cdk-lib's bundled @aws/cloudformation-validate package (engine/) and its default
// Rego rules (rules/), extracted from the aws-cdk-lib package the app runs on. The engine is built at once, while the
// app builds its constructs; then each stdin line is a request {"stacks": [{templatePath, stackConstructPath,
// accountId, region}]} and each stdout line the findings of each of those templates, in order.
// The options are the plugin's (tests/aws/test_template_validation.py checks them against aws-cdk-lib's own file).
"use strict";
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
function findings({ stackConstructPath, templatePath, accountId, region }) {
  const result = engine.validateTemplate(new validate.TemplateFile(templatePath), {
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

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let answer;
  try {
    answer = { findings: JSON.parse(line).stacks.map(findings) };
  } catch (error) {
    answer = { error: String(error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
