export interface AdminConsentRecord {
  tenantId: string;
  clientId: string;
  scope: string;
  grantedAt: Date;
}

/** Tenant-wide consents an administrator gave to a client, keyed by (tenant id, client id). */
export class AdminConsents {
  private readonly consents = new Map<string, AdminConsentRecord>();

  grant(record: AdminConsentRecord): void {
    this.consents.set(key(record.tenantId, record.clientId), record);
  }

  has(tenantId: string, clientId: string): boolean {
    return this.consents.has(key(tenantId, clientId));
  }

  list(): AdminConsentRecord[] {
    return [...this.consents.values()];
  }
}

function key(tenantId: string, clientId: string): string {
  return `${tenantId.toLowerCase()}|${clientId.toLowerCase()}`;
}
