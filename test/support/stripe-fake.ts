// A local stand-in for the part of the Stripe API parkctl uses (DESIGN.md section 6): the real SDK
// is pointed at it through STRIPE_API_BASE. node:http on 127.0.0.1, a random port, Stripe-shaped
// JSON objects and errors, Idempotency-Key replay, every request recorded, and test controls
// (markSessionPaid, declineNextCharge, setDown, loseNextAnswers, reset) in the style of serialport's mock
// binding. Events (evt_...) are recorded as Stripe would send them, for tests to deliver late, twice or
// out of order.
//
// Stripe's documented behaviour it follows: the same Idempotency-Key with the same parameters replays the
// stored answer (header Idempotent-Replayed), with other parameters is a 400 idempotency_error; a request
// that fails validation saves no result under its key; a bad key is a 401 authentication_error; lists
// page newest first with limit / starting_after / has_more.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  /** path without the query, e.g. /v1/checkout/sessions */
  path: string;
  /** form body (POST) or query (GET), parsed into nested objects and arrays */
  params: Json;
  idempotencyKey: string | null;
  authorization: string | null;
}

/** false: up; true or '503': answers 503 api_error; 'reset': drops the connection; 'hang': never answers */
export type DownMode = boolean | '503' | 'reset' | 'hang';

export interface Decline {
  code?: string;
  declineCode?: string;
  message?: string;
}

export interface StripeFake {
  /** e.g. http://127.0.0.1:40123: the provider's apiBase */
  readonly apiBase: string;
  readonly requests: RecordedRequest[];
  /** requests to one method + path prefix, e.g. ('POST', '/v1/refunds') */
  requestsTo(method: string, pathPrefix: string): RecordedRequest[];
  /** the customer pays: session complete, a succeeded PaymentIntent with a saved card and customer */
  markSessionPaid(sessionId: string): { paymentIntentId: string; customerId: string; paymentMethodId: string };
  /** the next off-session PaymentIntent is declined with a card_error */
  declineNextCharge(decline?: Decline): void;
  setDown(mode: DownMode): void;
  /**
   * Until called again with null, requests matching method and path prefix reach the fake and take effect
   * (their result is saved under their idempotency key), but the client's connection is dropped before the
   * answer: lost answers. The SDK's own retries are lost too (it retries a dropped keep-alive socket once).
   */
  loseAnswers(match: { method?: string; pathPrefix?: string } | null): void;
  /** events Stripe would have sent, oldest first (checkout.session.completed, payment_intent.succeeded, ...) */
  readonly events: Json[];
  /** stored objects, as Stripe would return them */
  object(id: string): Json | undefined;
  objectsOfType(type: string): Json[];
  /** forget everything: objects, requests, idempotency keys, controls */
  reset(): void;
  close(): Promise<void>;
}

/** Parse `a[b][0][c]=v&...` (the SDK's encoding) into nested objects; numeric keys become arrays. */
export function parseStripeForm(encoded: string): Json {
  const root: Json = {};
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    const parts = rawKey.split(/\[|\]\[|\]/).filter((p) => p !== '');
    let node: Json = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Json;
    });
  }
  return arraysFromNumericKeys(root) as Json;
}

function arraysFromNumericKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Json).map(([k, v]) => [k, arraysFromNumericKeys(v)] as const);
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
  }
  return Object.fromEntries(entries);
}

class StripeHttpError extends Error {
  constructor(readonly status: number, readonly body: Json) {
    super(String(body.message));
  }
}

function stripeError(status: number, type: string, message: string, extra: Json = {}): StripeHttpError {
  return new StripeHttpError(status, { type, message, ...extra });
}

const missing = (kind: string, id: string, param = 'id') =>
  stripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, { code: 'resource_missing', param });

const newId = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('hex')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export async function startStripeFake(): Promise<StripeFake> {
  const objects = new Map<string, Json>();
  const idempotent = new Map<string, { fingerprint: string; status: number; body: Json }>();
  const requests: RecordedRequest[] = [];
  let down: DownMode = false;
  let nextDecline: Decline | null = null;
  let lose: { method?: string | undefined; pathPrefix?: string | undefined } | null = null;
  const events: Json[] = [];
  /** creation order, so lists page newest first even within one second */
  let sequence = 0;
  let apiBase = '';
  /** requests held open by setDown('hang'); dropping only these keeps the SDK's keep-alive sockets usable */
  const hung = new Set<ServerResponse>();

  const store = (obj: Json) => {
    if (!objects.has(obj.id as string)) obj._seq = ++sequence;
    objects.set(obj.id as string, obj);
    return obj;
  };
  /** an Event object as documented: data.object is a snapshot of the object at the time */
  const emit = (type: string, obj: Json) => {
    events.push({
      id: newId('evt'), object: 'event', type, api_version: '2024-06-20', created: nowSeconds(), livemode: false,
      pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object: structuredClone(publicView(obj)) },
    });
  };
  const get = (id: string, objectType: string, kind: string) => {
    const found = objects.get(id);
    if (!found || found.object !== objectType) throw missing(kind, id);
    return found;
  };

  function createSession(p: Json): Json {
    const items = (p.line_items as Json[] | undefined) ?? [];
    if (p.mode !== 'payment') throw stripeError(400, 'invalid_request_error', 'fake supports mode=payment only', { param: 'mode' });
    if (items.length === 0) throw stripeError(400, 'invalid_request_error', 'line_items is required', { param: 'line_items' });
    let amountTotal = 0;
    let currency: string | undefined;
    items.forEach((item, i) => {
      const price = (item.price_data ?? {}) as Json;
      const unit = Number(price.unit_amount);
      if (!Number.isInteger(unit) || unit < 0) {
        throw stripeError(400, 'invalid_request_error', 'Invalid integer', { param: `line_items[${i}][price_data][unit_amount]` });
      }
      amountTotal += unit * Number(item.quantity ?? 1);
      currency = str(price.currency);
    });
    const expiresAt = p.expires_at === undefined ? nowSeconds() + 86_400 : Number(p.expires_at);
    if (expiresAt < nowSeconds() + 30 * 60 || expiresAt > nowSeconds() + 86_400) {
      throw stripeError(400, 'invalid_request_error', 'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', { param: 'expires_at' });
    }
    const id = newId('cs');
    return store({
      id, object: 'checkout.session', mode: 'payment', status: 'open', payment_status: 'unpaid',
      amount_subtotal: amountTotal, amount_total: amountTotal, currency: currency ?? null,
      metadata: p.metadata ?? {}, client_reference_id: p.client_reference_id ?? null,
      customer: null, customer_creation: p.customer_creation ?? null, payment_intent: null,
      expires_at: expiresAt, success_url: p.success_url ?? null, cancel_url: p.cancel_url ?? null,
      url: `${apiBase}/pay/${id}`, created: nowSeconds(), livemode: false,
      // not part of Stripe's session object: kept so markSessionPaid can build the PaymentIntent
      _payment_intent_data: p.payment_intent_data ?? {},
    });
  }

  function paymentIntent(fields: Json): Json {
    return store({
      id: newId('pi'), object: 'payment_intent', amount_capturable: 0, amount_received: 0, created: nowSeconds(),
      customer: null, payment_method: null, metadata: {}, setup_future_usage: null, latest_charge: null,
      last_payment_error: null, livemode: false, ...fields,
    });
  }

  function createOffSessionIntent(p: Json): Json {
    const amount = Number(p.amount);
    if (!Number.isInteger(amount) || amount <= 0) throw stripeError(400, 'invalid_request_error', 'Invalid integer', { param: 'amount' });
    const customer = get(str(p.customer) ?? '', 'customer', 'customer');
    const method = objects.get(str(p.payment_method) ?? '');
    if (!method || method.customer !== customer.id) throw missing('PaymentMethod', String(p.payment_method), 'payment_method');
    const base = { amount, currency: p.currency, customer: customer.id, payment_method: method.id, metadata: p.metadata ?? {} };
    if (nextDecline) {
      const d = nextDecline;
      nextDecline = null;
      const error = { type: 'card_error', code: d.code ?? 'card_declined', decline_code: d.declineCode ?? 'generic_decline', message: d.message ?? 'Your card was declined.' };
      const intent = paymentIntent({ ...base, status: 'requires_payment_method', last_payment_error: error });
      emit('payment_intent.payment_failed', intent);
      throw stripeError(402, 'card_error', error.message, { code: error.code, decline_code: error.decline_code, payment_intent: intent });
    }
    const intent = paymentIntent({ ...base, status: 'succeeded', amount_received: amount, latest_charge: newId('ch') });
    emit('payment_intent.succeeded', intent);
    return intent;
  }

  function createRefund(p: Json): Json {
    const intent = get(str(p.payment_intent) ?? '', 'payment_intent', 'payment_intent');
    if (intent.status !== 'succeeded') throw stripeError(400, 'invalid_request_error', 'This PaymentIntent has no successful charge to refund.', { param: 'payment_intent' });
    const refunded = Number(intent._amount_refunded ?? 0);
    const amount = p.amount === undefined ? Number(intent.amount_received) - refunded : Number(p.amount);
    if (!Number.isInteger(amount) || amount <= 0 || refunded + amount > Number(intent.amount_received)) {
      throw stripeError(400, 'invalid_request_error', `Refund amount (${amount}) is greater than unrefunded amount on charge (${Number(intent.amount_received) - refunded})`, { code: 'amount_too_large', param: 'amount' });
    }
    intent._amount_refunded = refunded + amount;
    return store({
      id: newId('re'), object: 'refund', amount, currency: intent.currency, payment_intent: intent.id,
      charge: intent.latest_charge, reason: p.reason ?? null, metadata: p.metadata ?? {}, status: 'succeeded', created: nowSeconds(),
    });
  }

  function publicView(obj: Json): Json {
    return Object.fromEntries(Object.entries(obj).filter(([k]) => !k.startsWith('_')));
  }

  /** GET /v1/checkout/sessions: newest first; created[gte|lte], status, limit (1-100), starting_after. */
  function listSessions(p: Json): Json {
    const limit = p.limit === undefined ? 10 : Number(p.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw stripeError(400, 'invalid_request_error', 'Invalid integer', { param: 'limit' });
    const created = (typeof p.created === 'object' && p.created !== null ? p.created : {}) as Json;
    let all = [...objects.values()]
      .filter((o) => o.object === 'checkout.session')
      .filter((o) => created.gte === undefined || Number(o.created) >= Number(created.gte))
      .filter((o) => created.lte === undefined || Number(o.created) <= Number(created.lte))
      .filter((o) => p.status === undefined || o.status === p.status)
      .sort((a, b) => Number(b._seq) - Number(a._seq));
    if (p.starting_after !== undefined) {
      const at = all.findIndex((o) => o.id === p.starting_after);
      if (at < 0) throw missing('checkout.session', String(p.starting_after), 'starting_after');
      all = all.slice(at + 1);
    }
    return { object: 'list', url: '/v1/checkout/sessions', has_more: all.length > limit, data: all.slice(0, limit).map(publicView) };
  }

  function route(method: string, path: string, params: Json): Json {
    const expand = new Set((params.expand as string[] | undefined) ?? []);
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/checkout/sessions') return createSession(params);
    if (method === 'GET' && path === '/v1/checkout/sessions') return listSessions(params);
    if (method === 'GET' && (m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path))) {
      const session = publicView(get(m[1] as string, 'checkout.session', 'checkout.session'));
      if (expand.has('payment_intent') && session.payment_intent) {
        session.payment_intent = publicView(objects.get(session.payment_intent as string) as Json);
      }
      return session;
    }
    if (method === 'GET' && (m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path))) return get(m[1] as string, 'payment_intent', 'payment_intent');
    if (method === 'POST' && path === '/v1/payment_intents') return createOffSessionIntent(params);
    if (method === 'POST' && path === '/v1/refunds') return createRefund(params);
    throw stripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }

  function send(res: ServerResponse, status: number, body: Json, replayed = false): void {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': `req_${randomBytes(6).toString('hex')}` };
    if (replayed) headers['idempotent-replayed'] = 'true';
    res.writeHead(status, headers).end(JSON.stringify(publicView(body)));
  }

  function handle(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const params = parseStripeForm(method === 'GET' ? url.search.slice(1) : rawBody);
    const idempotencyKey = str(req.headers['idempotency-key']) ?? null;
    requests.push({ method, path: url.pathname, params, idempotencyKey, authorization: str(req.headers.authorization) ?? null });

    if (down === 'hang') return void hung.add(res); // ended by reset() or close()
    if (down === 'reset') return void req.socket.destroy();
    if (down) return send(res, 503, { error: { type: 'api_error', message: 'The fake is down (setDown).' } });
    const auth = /^Bearer (\S+)$/.exec(str(req.headers.authorization) ?? '')?.[1] ?? '';
    if (!/^sk_(test|live)_\S+$/.test(auth) || auth.includes('revoked')) {
      return send(res, 401, { error: { type: 'authentication_error', message: `Invalid API Key provided: ${auth.slice(0, 8)}****${auth.slice(-4)}` } });
    }
    const losing = () => lose !== null && (!lose.method || lose.method === method) && (!lose.pathPrefix || url.pathname.startsWith(lose.pathPrefix));
    const fingerprint = `${method} ${url.pathname} ${rawBody}`;
    const scopedKey = idempotencyKey && method === 'POST' ? idempotencyKey : null;
    const previous = scopedKey ? idempotent.get(scopedKey) : undefined;
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        return send(res, 400, { error: { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${scopedKey}' if you meant to execute a different request.` } });
      }
      if (losing()) return void req.socket.destroy();
      return send(res, previous.status, previous.body, true);
    }
    let status = 200;
    let body: Json;
    try {
      body = route(method, url.pathname, params);
    } catch (err) {
      if (!(err instanceof StripeHttpError)) throw err;
      status = err.status;
      body = { error: err.body };
    }
    // Stripe saves the first result for a key, errors included (a decline replays as a decline), but not a
    // request that failed validation (400 invalid_request_error): no endpoint began executing.
    const validationFailed = status === 400 && (body.error as Json | undefined)?.type === 'invalid_request_error';
    if (scopedKey && !validationFailed) idempotent.set(scopedKey, { fingerprint, status, body: structuredClone(publicView(body)) });
    if (losing()) return void req.socket.destroy(); // it happened at Stripe; the client never hears
    send(res, status, body);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        send(res, 500, { error: { type: 'api_error', message: `fake bug: ${String(err)}` } });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiBase,
    requests,
    requestsTo: (method, prefix) => requests.filter((r) => r.method === method && r.path.startsWith(prefix)),
    markSessionPaid(sessionId) {
      const session = get(sessionId, 'checkout.session', 'checkout.session');
      if (session.payment_status === 'paid') throw new Error(`fake: session ${sessionId} is already paid`);
      const customer = store({ id: newId('cus'), object: 'customer', created: nowSeconds() });
      const method = store({ id: newId('pm'), object: 'payment_method', type: 'card', customer: customer.id, card: { brand: 'visa', last4: '4242' } });
      const data = session._payment_intent_data as Json;
      const intent = paymentIntent({
        amount: session.amount_total, amount_received: session.amount_total, currency: session.currency,
        status: 'succeeded', customer: customer.id, payment_method: method.id, latest_charge: newId('ch'),
        metadata: data.metadata ?? {}, setup_future_usage: data.setup_future_usage ?? null,
      });
      Object.assign(session, { status: 'complete', payment_status: 'paid', customer: customer.id, payment_intent: intent.id });
      emit('payment_intent.succeeded', intent);
      emit('checkout.session.completed', session);
      return { paymentIntentId: intent.id as string, customerId: customer.id as string, paymentMethodId: method.id as string };
    },
    declineNextCharge(decline = {}) {
      nextDecline = decline;
    },
    setDown(mode) {
      down = mode;
    },
    loseAnswers(match) {
      lose = match ? { method: match.method, pathPrefix: match.pathPrefix } : null;
    },
    events,
    object: (id) => {
      const found = objects.get(id);
      return found ? publicView(found) : undefined;
    },
    objectsOfType: (type) => [...objects.values()].filter((o) => o.object === type).map(publicView),
    reset() {
      objects.clear();
      idempotent.clear();
      requests.length = 0;
      events.length = 0;
      lose = null;
      down = false;
      nextDecline = null;
      for (const res of hung) res.socket?.destroy();
      hung.clear();
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
