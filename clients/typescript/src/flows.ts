// A calling team's TypeScript client, generated from the service's own OpenAPI document (openapi-typescript) and used
// through openapi-fetch: no request or response shape is written by hand and nothing is cast, so a change to the
// document that breaks a caller fails `tsc --strict` here, and a document that says other than the service fails a
// check below. Run by scripts/client-tests.sh against the service on loopback (docs/clients.md).
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./generated/cms.js";
import { token } from "./token.js";

const baseUrl = required("CMS_URL");
const signingKey = required("CMS_SIGNING_KEY");
const run = Date.now().toString(36);

type Schemas = components["schemas"];

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${what}`);
}

function clientFor(bearer: string): Client<paths> {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${bearer}` } });
}

function etagOf(response: Response): string {
  const etag = response.headers.get("ETag");
  check(etag !== null && /^"[1-9][0-9]*"$/.test(etag), `an ETag on ${response.url} (got ${etag})`);
  return etag;
}

interface World {
  admin: Client<paths>;
  integration: Client<paths>;
  consumer: Schemas["ConsumerDto"];
  agent: Schemas["StaffDto"];
}

/** The README's own requests: a tenant, its admin, a consumer and the first complaint. */
async function setUp(): Promise<World> {
  const platform = clientFor(token(signingKey, { sub: "ops-1", platform: true }));
  const created = await platform.POST("/v1/tenants", {
    body: { name: `Acme Bank ${run}`, sector: "banking", jurisdiction: "UK", admin: { subject: "alice", email: "alice@acme.test", displayName: "Alice" } },
  });
  check(created.response.status === 201 && created.data !== undefined, `tenant created (${created.response.status})`);
  const location = created.response.headers.get("Location");
  check(location === `/v1/tenants/${created.data.id}`, `Location of the tenant (${location})`);

  const admin = clientFor(token(signingKey, { sub: "alice", tenantId: created.data.id }));
  const consumer = await admin.POST("/v1/consumers", { body: { externalRef: `C-${run}`, fullName: "Jane Doe", email: "jane@example.com" } });
  check(consumer.response.status === 201 && consumer.data !== undefined, `consumer registered (${consumer.response.status})`);
  check(etagOf(consumer.response) === `"${consumer.data.version}"`, "the consumer's ETag is its version");

  const agent = await admin.POST("/v1/staff", {
    body: { subject: `agent-${run}`, email: "agent@acme.test", displayName: "Sam Agent", roles: ["agent"], kind: "user" },
  });
  check(agent.response.status === 201 && agent.data !== undefined, `agent added (${agent.response.status})`);
  const agentLocation = agent.response.headers.get("Location");
  check(agentLocation === `/v1/staff/${agent.data.id}`, "Location of the staff member");
  check(etagOf(agent.response) === `"${agent.data.version}"`, "the staff member's ETag is its version");
  const again = await admin.GET("/v1/staff/{id}", { params: { path: { id: agent.data.id } } });
  check(again.data?.subject === agent.data.subject, "the staff member is readable at its Location");

  const feed = await admin.POST("/v1/staff", {
    body: { subject: `feed-${run}`, email: "feed@acme.test", displayName: "Change feed reader", roles: ["integration"], kind: "service_account" },
  });
  check(feed.data !== undefined, "integration service account added");
  const integration = clientFor(token(signingKey, { sub: feed.data.subject, tenantId: created.data.id }));
  return { admin, integration, consumer: consumer.data, agent: agent.data };
}

async function file(world: World, description: string): Promise<{ complaint: Schemas["ComplaintDto"]; etag: string }> {
  const filed = await world.admin.POST("/v1/complaints", {
    body: { consumerId: world.consumer.id, channel: "web", product: "current_account", category: "fees", description },
  });
  check(filed.response.status === 201 && filed.data !== undefined, `complaint filed (${filed.response.status})`);
  check(filed.response.headers.get("Location") === `/v1/complaints/${filed.data.id}`, "Location of the complaint");
  return { complaint: filed.data, etag: etagOf(filed.response) };
}

/** Filed, acknowledged, assigned, a note: each change with the ETag of the last answer in If-Match. */
async function lifecycle(world: World): Promise<void> {
  const { complaint, etag } = await file(world, "Charged twice");
  check(complaint.status === "received" && complaint.deadlines.length > 0, "a new complaint is received, with deadlines");

  const acknowledged = await world.admin.POST("/v1/complaints/{id}/acknowledge", {
    params: { path: { id: complaint.id }, header: { "If-Match": etag } },
  });
  check(acknowledged.data?.status === "acknowledged", `acknowledged (${acknowledged.response.status})`);

  const assigned = await world.admin.POST("/v1/complaints/{id}/assign", {
    params: { path: { id: complaint.id }, header: { "If-Match": etagOf(acknowledged.response) } },
    body: { assigneeId: world.agent.id },
  });
  check(assigned.data?.assigneeId === world.agent.id, `assigned (${assigned.response.status})`);

  const note = await world.admin.POST("/v1/complaints/{id}/notes", {
    params: { path: { id: complaint.id } },
    body: { kind: "internal", body: "Called the consumer; statement requested." },
  });
  check(note.response.status === 201 && note.data?.complaintId === complaint.id, `note added (${note.response.status})`);

  const read = await world.admin.GET("/v1/complaints/{id}", { params: { path: { id: complaint.id } } });
  check(read.data?.version === assigned.data.version && etagOf(read.response) === `"${assigned.data.version}"`, "read back at its version");
}

/** Keyset paging: every complaint of the consumer exactly once, across pages of two. */
async function paging(world: World): Promise<void> {
  for (const n of [1, 2, 3]) await file(world, `Paging ${n}`);
  const seen = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await world.admin.GET("/v1/complaints", { params: { query: { consumerId: world.consumer.id, limit: 2, cursor } } });
    check(page.data !== undefined, `a page (${page.response.status})`);
    check(page.data.items.length <= 2, "at most limit items");
    for (const item of page.data.items) {
      check(!seen.has(item.id), "no complaint twice");
      seen.add(item.id);
    }
    cursor = page.data.nextCursor ?? undefined;
    pages++;
  } while (cursor !== undefined && pages < 10);
  check(seen.size === 4 && pages >= 2, `4 complaints over ${pages} pages (saw ${seen.size})`);
}

/** The change feed from position 0, page by page, holds the filing of every complaint, in commit order. */
async function changeFeed(world: World): Promise<void> {
  let after = 0;
  const filed: string[] = [];
  for (let hasMore = true; hasMore; ) {
    const page = await world.integration.GET("/v1/events", { params: { query: { after, limit: 3 } } });
    check(page.data !== undefined, `a feed page (${page.response.status})`);
    for (const event of page.data.items) {
      check(event.position > after, "positions increase");
      after = event.position;
      if (event.type === "complaint.filed") filed.push(event.entityId);
    }
    check(page.data.next === after, "next is the last position read");
    hasMore = page.data.hasMore;
  }
  check(filed.length === 4, `four complaint.filed events (saw ${filed.length})`);
}

/** 400, 412 and 404 come back as the problems the document lists for those operations. */
async function problems(world: World): Promise<void> {
  const invalid = await world.admin.POST("/v1/complaints", {
    body: { consumerId: world.consumer.id, channel: "web", product: "current_account", category: "fees", description: "" },
  });
  check(invalid.response.status === 400 && invalid.error?.code === "validation", "an empty description is 400 validation");
  check(invalid.error.errors?.["description"] !== undefined, "the 400 names the field");

  const { complaint, etag } = await file(world, "Stale ETag");
  const first = await world.admin.POST("/v1/complaints/{id}/acknowledge", { params: { path: { id: complaint.id }, header: { "If-Match": etag } } });
  check(first.response.status === 200, "acknowledged once");
  const stale = await world.admin.POST("/v1/complaints/{id}/start", { params: { path: { id: complaint.id }, header: { "If-Match": etag } } });
  check(stale.response.status === 412 && stale.error?.code === "version.stale", "a stale If-Match is 412 version.stale");
  check(stale.error.type === "https://cms.example/problems/version-stale" && stale.error.traceId.length === 32, "its type and traceId");

  const missing = await world.admin.GET("/v1/complaints/{id}", { params: { path: { id: "0195f0a2-7c41-7b7e-9d1a-3c5e2f4b6aff" } } });
  check(missing.response.status === 404 && missing.error?.code === "complaint.not_found", "an unknown complaint is 404 complaint.not_found");
}

const flows: [string, (world: World) => Promise<void>][] = [
  ["complaint lifecycle", lifecycle],
  ["keyset paging", paging],
  ["change feed", changeFeed],
  ["problems 400, 412, 404", problems],
];

let passed = 0;
let failed = 0;
try {
  const world = await setUp();
  passed++;
  console.log("ok   set-up (README's requests)");
  for (const [name, flow] of flows) {
    try {
      await flow(world);
      passed++;
      console.log(`ok   ${name}`);
    } catch (error) {
      failed++;
      console.log(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
} catch (error) {
  failed++;
  console.log(`FAIL set-up: ${error instanceof Error ? error.message : String(error)}`);
}

console.log(`typescript client: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
