// A small Samstyre client as the frontend team writes it: openapi-fetch over the types that
// openapi-typescript generates from openapi/openapi.json (generated/samstyre.ts, not kept in
// git). `tsc --strict` compiling this file is the test: a list, a single resource with its
// ETag, a create with only the required fields, a conditional update, and a problem.
import createClient from "openapi-fetch";

import type { components, operations, paths } from "./generated/samstyre";

type Schemas = components["schemas"];
type Json<Op extends keyof operations, Code extends number> =
  operations[Op]["responses"] extends Record<Code, { content: { "application/json": infer B } }>
    ? B
    : never;
/** An organization as GET gives it (whole, or only the fields asked for with `?fields=`). */
export type Organization = Json<"get_organization", 200>;
export type OrganizationPage = Json<"list_organizations", 200>;
export type Problem = Schemas["Problem"];

// --- Compile-time checks of the contract's shape (each line fails to compile otherwise) ---
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2
  ? true
  : false;
type ResponseHeaders<Op extends keyof operations, Code extends number> =
  operations[Op]["responses"] extends Record<Code, { headers: infer H }> ? H : never;
type Required_<T, K extends keyof T> = {} extends Pick<T, K> ? false : true;

// A problem always has these, typed without `| null` or `?`.
export const problemAlwaysHas: [
  Equals<Problem["type"], string>,
  Equals<Problem["title"], string>,
  Equals<Problem["status"], number>,
  Equals<Problem["detail"], string>,
  Equals<Problem["request_id"], string>,
  Required_<Problem, "detail">,
  Required_<Problem, "request_id">,
] = [true, true, true, true, true, true, true];
// Optional problem fields are absent when unused: optional, never null.
export const problemOptional: [
  Equals<Problem["rule"], string | undefined>,
  Equals<Problem["errors_total"], number | undefined>,
  Required_<Problem, "rule">,
  Required_<Problem, "errors">,
] = [true, true, false, false];
// Response headers the contract declares: ETag on a single resource (and its 304), Location
// on a 201, Link on a list.
export const declaredHeaders: [
  Equals<ResponseHeaders<"get_organization", 200>["ETag"], string>,
  Equals<ResponseHeaders<"get_organization", 304>["ETag"], string>,
  Equals<ResponseHeaders<"create_organization", 201>["ETag"], string>,
  Equals<ResponseHeaders<"create_organization", 201>["Location"], string>,
  Equals<ResponseHeaders<"update_organization", 200>["ETag"], string>,
  Equals<ResponseHeaders<"list_organizations", 200>["Link"], string | undefined>,
  Equals<ResponseHeaders<"get_calendar_ics", 200>["ETag"], string>,
] = [true, true, true, true, true, true, true];
// Fields with server defaults are not required in input types.
export const defaultsOptional: [
  Required_<Schemas["OrganizationCreate"], "name">,
  Required_<Schemas["OrganizationCreate"], "cvr">,
  Required_<Schemas["ContactCreate"], "emails">,
] = [true, false, false];

// --- The client ---
export function samstyre(baseUrl: string, apiKey: string) {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });
}
export type Samstyre = ReturnType<typeof samstyre>;

/** A problem, as a person reads it; `request_id` is what the operators ask for. */
export function describe(problem: Problem): string {
  const rule = problem.rule === undefined ? "" : ` (rule ${problem.rule})`;
  const fields = (problem.errors ?? []).map((e) => `${e.loc.join(".")}: ${e.msg}`);
  const more = problem.errors_total === undefined ? "" : ` of ${problem.errors_total}`;
  return `${problem.status} ${problem.title}${rule}: ${problem.detail} [${problem.request_id}]${
    fields.length ? ` — ${fields.join("; ")}${more}` : ""
  }`;
}

export class SamstyreError extends Error {
  constructor(readonly problem: Problem) {
    super(describe(problem));
  }
}

/** One page of organizations whose name contains `q`, and the next page's link if any. */
export async function searchOrganizations(
  api: Samstyre,
  q: string,
  offset = 0,
): Promise<{ items: OrganizationPage["items"]; total: number; next: string | null }> {
  const { data, error, response } = await api.GET("/api/v1/organizations", {
    params: { query: { q, limit: 50, offset, kind: "municipality" } },
  });
  if (error) throw new SamstyreError(error);
  const next = /<([^>]*)>;\s*rel="next"/.exec(response.headers.get("Link") ?? "")?.[1] ?? null;
  return { items: data.items, total: data.total, next };
}

/** One organization and its ETag; `null` when unchanged since `etag` (304). */
export async function getOrganization(
  api: Samstyre,
  id: string,
  etag?: string,
): Promise<{ organization: Organization; etag: string } | null> {
  const { data, error, response } = await api.GET("/api/v1/organizations/{org_id}", {
    params: { path: { org_id: id }, header: etag === undefined ? {} : { "If-None-Match": etag } },
  });
  if (response.status === 304) return null;
  if (error) throw new SamstyreError(error);
  if (data === undefined) throw new Error("no body");
  return { organization: data, etag: response.headers.get("ETag") ?? "" };
}

/** Create a municipality with only the required fields; safe to retry with the same key. */
export async function createMunicipality(
  api: Samstyre,
  name: string,
  code: string,
  idempotencyKey: string,
): Promise<{ organization: Schemas["OrganizationRead"]; location: string }> {
  const { data, error, response } = await api.POST("/api/v1/organizations", {
    params: { header: { "Idempotency-Key": idempotencyKey } },
    body: { name, kind: "municipality", municipality_code: code },
  });
  if (error) throw new SamstyreError(error);
  return { organization: data, location: response.headers.get("Location") ?? "" };
}

/** Rename only if nobody changed the organization since we read it (412 otherwise). */
export async function rename(
  api: Samstyre,
  id: string,
  name: string,
  etag: string,
): Promise<Schemas["OrganizationRead"] | Problem> {
  const { data, error } = await api.PATCH("/api/v1/organizations/{org_id}", {
    params: { path: { org_id: id }, header: { "If-Match": etag } },
    body: { name },
  });
  if (error) {
    // a 409 names the domain rule; a 412 says the ETag is stale; a 422 lists the fields
    if (error.status === 412) return error;
    throw new SamstyreError(error);
  }
  return data;
}

/** Delete unless changed meanwhile. */
export async function remove(api: Samstyre, id: string, etag: string): Promise<void> {
  const { error } = await api.DELETE("/api/v1/organizations/{org_id}", {
    params: { path: { org_id: id }, header: { "If-Match": etag } },
  });
  if (error) throw new SamstyreError(error);
}
