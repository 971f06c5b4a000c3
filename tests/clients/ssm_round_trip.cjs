// The association round trip with the JavaScript SDK v3, against SSM_ENDPOINT.
// Run by tests/test_clients.py; prints one JSON object of what it saw.
"use strict";
const path = require("node:path");
const { createRequire } = require("node:module");

const clients = process.env.SSM_ASSOC_STUB_CLIENTS;
const load = createRequire(path.join(clients, "package.json"));
const ssmSdk = load("@aws-sdk/client-ssm");
const {
  SSMClient,
  CreateAssociationCommand,
  UpdateAssociationCommand,
  DescribeAssociationCommand,
  ListAssociationVersionsCommand,
  StartAssociationsOnceCommand,
  DescribeAssociationExecutionsCommand,
  InvalidAssociationVersion,
  AssociationDoesNotExist,
  SSMServiceException,
} = ssmSdk;

async function main() {
  const ssm = new SSMClient({
    endpoint: process.env.SSM_ENDPOINT,
    region: "eu-west-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 1,
  });
  const spec = {
    Name: "AWS-RunShellScript",
    AssociationName: "node-web",
    Targets: [{ Key: "tag:role", Values: ["web"] }],
    Parameters: { commands: ["echo hi"] },
    MaxConcurrency: "2",
    MaxErrors: "1",
  };
  const seen = {};
  const created = (await ssm.send(new CreateAssociationCommand(spec))).AssociationDescription;
  const id = created.AssociationId;
  seen.created = {
    version: created.AssociationVersion,
    overview: created.Overview,
    dateIsDate: created.Date instanceof Date,
    date: created.Date.toISOString(),
  };
  try {
    await ssm.send(new UpdateAssociationCommand({ ...spec, AssociationId: id, AssociationVersion: "9" }));
    seen.stale = "no error";
  } catch (err) {
    seen.stale = {
      name: err.name,
      modelled: err instanceof InvalidAssociationVersion,
      service: err instanceof SSMServiceException,
      status: err.$metadata.httpStatusCode,
      message: err.message,
      requestId: err.$metadata.requestId || null,
    };
  }
  const updated = await ssm.send(
    new UpdateAssociationCommand({ ...spec, AssociationId: id, AssociationVersion: "1", MaxErrors: "2" })
  );
  seen.updatedVersion = updated.AssociationDescription.AssociationVersion;
  const described = (await ssm.send(new DescribeAssociationCommand({ AssociationId: id }))).AssociationDescription;
  seen.described = { maxErrors: described.MaxErrors, status: described.Overview.Status };
  const versions = await ssm.send(new ListAssociationVersionsCommand({ AssociationId: id }));
  seen.versions = versions.AssociationVersions.map((v) => v.AssociationVersion);
  await ssm.send(new StartAssociationsOnceCommand({ AssociationIds: [id] }));
  const history = await ssm.send(new DescribeAssociationExecutionsCommand({ AssociationId: id }));
  seen.executions = history.AssociationExecutions.map((e) => ({
    status: e.Status,
    counts: e.ResourceCountByStatus,
  }));
  try {
    await ssm.send(new DescribeAssociationCommand({ AssociationId: "11111111-2222-3333-4444-555555555555" }));
    seen.missing = "no error";
  } catch (err) {
    seen.missing = { name: err.name, modelled: err instanceof AssociationDoesNotExist, status: err.$metadata.httpStatusCode };
  }
  process.stdout.write(JSON.stringify(seen));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(1);
});
