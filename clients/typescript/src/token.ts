// Stands in for the calling team's identity provider: an HS256 token signed with the local signing key the service
// under test accepts (issuer cms-local, audience cms; README "Trying it out").
import { createHmac } from "node:crypto";

export interface Principal {
  sub: string;
  tenantId?: string;
  platform?: boolean;
}

const base64url = (data: string | Buffer): string => Buffer.from(data).toString("base64url");

export function token(signingKeyBase64: string, principal: Principal): string {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, string | number> = { sub: principal.sub, iss: "cms-local", aud: "cms", iat: now, nbf: now, exp: now + 600 };
  if (principal.tenantId !== undefined) claims["tenant_id"] = principal.tenantId;
  if (principal.platform === true) claims["scope"] = "cms.platform";
  const unsigned = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}`;
  const signature = createHmac("sha256", Buffer.from(signingKeyBase64, "base64")).update(unsigned).digest("base64url");
  return `${unsigned}.${signature}`;
}
