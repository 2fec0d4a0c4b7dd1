// The keys under which money received for a reservation is written down: the payment that paid it
// (`reservation:<id>`, also the checkout's idempotency key), and any later, different payment for it
// (`payment:<provider ref>`, refunded in full under `refund:duplicate:<provider ref>`).
export const receivedKey = (reservationId: string) => `reservation:${reservationId}`;
export const extraPaymentKey = (providerRef: string) => `payment:${providerRef}`;
export const duplicateRefundKey = (providerRef: string) => `refund:duplicate:${providerRef}`;
