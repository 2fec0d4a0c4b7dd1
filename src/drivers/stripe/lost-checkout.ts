// Finding a Checkout Session whose creation reached Stripe but whose answer was lost. Asking again under
// the same idempotency key replays the session only with byte-identical parameters, and a session's
// `expires_at` depends on when it is asked for, so a later ask gets 400 idempotency_error: proof that a
// session exists for this key. Stripe cannot look sessions up by metadata, so we page through the sessions
// of the last 24 hours (no session lives longer) and take the open one made for this reservation.
import type Stripe from 'stripe';

/** Stripe's longest Checkout Session life: older sessions are expired and of no use. */
const sessionLifeSeconds = 24 * 60 * 60;
/** Pages of 100 read at most before giving up (10,000 sessions a day). */
const maxPages = 100;

export async function findOpenSessionFor(stripe: Stripe, reservationId: string, nowMs: number): Promise<Stripe.Checkout.Session | null> {
  const since = Math.floor(nowMs / 1000) - sessionLifeSeconds;
  let startingAfter: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const list = await stripe.checkout.sessions.list({ created: { gte: since }, status: 'open', limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) });
    const found = list.data.find((s) => s.client_reference_id === reservationId || s.metadata?.reservation_id === reservationId);
    if (found) return found;
    if (!list.has_more || list.data.length === 0) return null;
    startingAfter = list.data[list.data.length - 1]!.id;
  }
  return null;
}
