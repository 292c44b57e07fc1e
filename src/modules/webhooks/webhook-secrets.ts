export interface WebhookSecretQuery {
  provider: 'ghl_workflow' | 'integration';
  integrationId: string;
}

/** Looks up the HMAC secrets an integration signs with (several during a rotation); [] = unknown. */
export type WebhookSecretResolver = (query: WebhookSecretQuery) => Promise<readonly string[]>;

/**
 * Where HMAC-signed webhooks find their secrets. Config provides static ones (WEBHOOK_HMAC_SECRETS);
 * the integrations module adds a vault-backed resolver, keeping this module free of it.
 */
export class WebhookSecretRegistry {
  private readonly resolvers: WebhookSecretResolver[] = [];

  constructor(private readonly staticSecrets: ReadonlyMap<string, string> = new Map()) {}

  addResolver(resolver: WebhookSecretResolver): void {
    this.resolvers.push(resolver);
  }

  async findSecrets(query: WebhookSecretQuery): Promise<string[]> {
    const found: string[] = [];
    const configured = this.staticSecrets.get(query.integrationId);
    if (configured) found.push(configured);
    for (const resolver of this.resolvers) found.push(...(await resolver(query)));
    return found;
  }
}
