import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { assertAddressAllowed, createPolicyLookup, type EndpointPolicy } from '@berth/oci';

type HandleArgs = Parameters<NodeHttpHandler['handle']>;

/**
 * The AWS SDK's Node HTTP handler with Berth's endpoint policy: its agents resolve names through
 * the policy lookup (checked at connect time, so DNS tricks do not bypass it) and literal
 * addresses — which never reach a lookup — are checked before the request is handed over.
 */
export class PolicyHttpHandler extends NodeHttpHandler {
  readonly #policy: EndpointPolicy;

  constructor(
    policy: EndpointPolicy,
    timeouts: { connectTimeoutMs?: number; requestTimeoutMs?: number } = {},
  ) {
    const lookup = createPolicyLookup(policy);
    super({
      connectionTimeout: timeouts.connectTimeoutMs ?? 10_000,
      requestTimeout: timeouts.requestTimeoutMs ?? 30_000,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 8, lookup }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 8, lookup }),
    });
    this.#policy = policy;
  }

  override handle(...args: HandleArgs): ReturnType<NodeHttpHandler['handle']> {
    const [request] = args;
    const literal = request.hostname.replace(/^\[|\]$/g, '');
    try {
      if (isIP(literal) !== 0) assertAddressAllowed(request.hostname, literal, this.#policy);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return super.handle(...args);
  }
}
