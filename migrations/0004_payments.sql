-- The money flows (src/core/payments): the card saved at checkout for later off-session charges,
-- what was given back, the checkout session kept apart from the payment, and the webhook event log.

-- References at the provider only, never card data: a Stripe customer (cus_...) and payment method (pm_...).
alter table reservations
  add column payment_method_ref text,
  add column provider_customer_ref text,
  /** checkout session at the provider (cs_...): `booking pay-link` finds the link again */
  add column checkout_ref text,
  /** that checkout's link, kept when `booking pay-link` made it, so asking again gives the same link */
  add column checkout_url text,
  /** integer minor units given back so far (cancellation by policy, late payment, no-show) */
  add column refunded_minor bigint not null default 0 check (refunded_minor >= 0);

alter table payments
  /** for a refund row: the provider's reference of the payment it gives back (pi_..., a cash receipt) */
  add column refund_of_ref text,
  /** why, for people: the refund rule applied, a decline reason */
  add column note text;

-- Refunds and charges waiting on the provider or an attendant: `payments settle-refunds` walks these.
create index payments_open on payments (lot_id, status, created_at) where status in ('pending', 'due');
create index payments_by_visit on payments (lot_id, visit_id) where visit_id is not null;
create index payments_by_reservation on payments (lot_id, reservation_id) where reservation_id is not null;

-- Provider webhook deliveries already handled, keyed by the provider's event id (evt_...). Not lot
-- data (an event names its lot only inside its payload), so a plain table: a replayed or re-sent
-- event finds its row and changes nothing.
create table webhook_events (
  event_id text primary key,
  provider text not null,
  type text not null,
  received_at timestamptz not null,
  /** null while being handled; a crash mid-way leaves it null and the next delivery handles it again */
  processed_at timestamptz,
  /** what handling did, for people: confirmed, retaken, refunded, failed recorded, ignored, ... */
  outcome text
);

grant select, insert, update, delete on webhook_events to parkctl_app;
