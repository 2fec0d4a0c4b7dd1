// Authorize and StartTransaction: an id tag is accepted when its booking is confirmed or checked in and not
// over, its permit active and valid, or its visit still inside (see id-tags.ts for the tags).
import type { Queryable } from '../ports.js';
import { selectBookingForTag, selectPermitForTag, selectVisitForTag, type IdTagTarget } from '../sql/ev-sessions.js';
import { parseIdTag } from './id-tags.js';
import type { IdTagInfoJson } from './messages.js';

export type IdTagInfo = IdTagInfoJson;

export async function resolveIdTag(db: Queryable, lotId: number, idTag: string, now: Date): Promise<{ info: IdTagInfo; target: IdTagTarget | null }> {
  const tag = parseIdTag(idTag);
  if (!tag) return { info: { status: 'Invalid' }, target: null };
  const rows = tag.kind === 'booking' ? await selectBookingForTag(db, lotId, tag.lo, tag.hi)
    : tag.kind === 'permit' ? await selectPermitForTag(db, lotId, tag.lo, tag.hi)
      : await selectVisitForTag(db, lotId, tag.lo, tag.hi);
  if (rows.length !== 1) return { info: { status: 'Invalid' }, target: null }; // unknown, or two ids share the digits
  const t = rows[0]!;
  const until = t.until ? { expiryDate: t.until.toISOString() } : {};
  if (tag.kind === 'visit') return { info: { status: t.status === 'inside' ? 'Accepted' : 'Expired' }, target: t };
  if (tag.kind === 'permit') {
    if (t.status === 'suspended') return { info: { status: 'Blocked' }, target: t };
    if (t.status !== 'active') return { info: { status: 'Invalid' }, target: t };
    return { info: t.until && t.until > now ? { status: 'Accepted', ...until } : { status: 'Expired' }, target: t };
  }
  if (t.status === 'CONFIRMED' || t.status === 'CHECKED_IN') {
    return { info: t.until && t.until > now ? { status: 'Accepted', ...until } : { status: 'Expired' }, target: t };
  }
  return { info: { status: t.status === 'TENTATIVE' ? 'Blocked' : 'Expired' }, target: t };
}
