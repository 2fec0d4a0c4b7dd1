// A simulated Hikvision entrance camera, from its ISAPI documentation and captures people have
// published: Digest authentication (realm, nonce, qop="auth", MD5), the barrier output
//   PUT /ISAPI/Parking/channels/1/barrierGate  <BarrierGate><ctrlMode>open|close|lock|unlock</ctrlMode></BarrierGate>
//   GET /ISAPI/Parking/channels/1/barrierGate/barrierGateStatus -> <barrierGateStatus>0|1|2</...>
// answered with a ResponseStatus (statusCode 1, "OK"), and the ANPR alarm push: an
// EventNotificationAlert POSTed as multipart/form-data (part "anpr.xml" beside the pictures) to
// the listener the camera is configured with. A locked barrier answers "open" OK and stays closed.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const realm = 'IP Camera(E1234)';

export class HikvisionCameraSim {
  username = 'admin';
  password = 'Cam3ra-pass';
  /** the barrier is locked: open is answered OK and nothing moves */
  locked = false;
  /** the unit has no position signal wired: barrierGateStatus reads 0 */
  noPositionSignal = false;
  /** 1 closed, 2 open */
  position: 1 | 2 = 1;
  /** ms from the command to the arm being up, and how long it stays up */
  moveMs = 60;
  holdMs = 400;
  readonly commands: string[] = [];
  unauthorised = 0;
  private server: Server | null = null;
  private readonly nonces = new Set<string>();
  port = 0;

  async listen(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (!this.authorised(req)) {
      this.unauthorised++;
      const nonce = randomBytes(16).toString('hex');
      this.nonces.add(nonce);
      res.writeHead(401, { 'www-authenticate': `Digest qop="auth", realm="${realm}", nonce="${nonce}", stale="FALSE", opaque="", algorithm="MD5"` });
      res.end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'PUT' && path === '/ISAPI/Parking/channels/1/barrierGate') {
      const mode = /<ctrlMode>([^<]*)<\/ctrlMode>/.exec(body)?.[1] ?? '';
      this.commands.push(mode);
      if (!['open', 'close', 'lock', 'unlock'].includes(mode)) return status(res, 400, 4, 'Invalid Operation', 'badXmlContent', path);
      if (mode === 'lock') this.locked = true;
      if (mode === 'unlock') this.locked = false;
      if (mode === 'open' && !this.locked) {
        setTimeout(() => {
          this.position = 2;
          setTimeout(() => (this.position = 1), this.holdMs);
        }, this.moveMs);
      }
      if (mode === 'close') this.position = 1;
      return status(res, 200, 1, 'OK', 'ok', path);
    }
    if (req.method === 'GET' && path === '/ISAPI/Parking/channels/1/barrierGate/barrierGateStatus') {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<BarrierGateStatus version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">\n<barrierGateStatus>${this.noPositionSignal ? 0 : this.position}</barrierGateStatus>\n</BarrierGateStatus>\n`);
      return;
    }
    status(res, 404, 4, 'Invalid Operation', 'notSupport', path);
  }

  /** RFC 2617/7616 with qop=auth, MD5: the server side, computed here on its own. */
  private authorised(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    if (!h.startsWith('Digest ')) return false;
    const f: Record<string, string> = {};
    for (const m of h.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) f[m[1]!] = m[2] ?? m[3] ?? '';
    if (f.username !== this.username || f.realm !== realm || !this.nonces.has(f.nonce ?? '') || f.qop !== 'auth') return false;
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const ha1 = md5(`${this.username}:${realm}:${this.password}`);
    const ha2 = md5(`${req.method}:${f.uri}`);
    return f.response === md5(`${ha1}:${f.nonce}:${f.nc}:${f.cnonce}:auth:${ha2}`) && f.uri === req.url;
  }
}

function status(res: ServerResponse, http: number, code: number, text: string, sub: string, path: string): void {
  res.writeHead(http, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<ResponseStatus version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">\n<requestURL>${path}</requestURL>\n<statusCode>${code}</statusCode>\n<statusString>${text}</statusString>\n<subStatusCode>${sub}</subStatusCode>\n</ResponseStatus>\n`);
}

/** An ANPR alarm as the camera writes it (ISAPI EventNotificationAlert, eventType ANPR). */
export function anprAlert(o: { plate: string; confidence?: number; dateTime: string; uuid?: string; state?: 'active' | 'inactive'; eventType?: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<ipAddress>10.10.10.243</ipAddress>
<portNo>80</portNo>
<protocol>HTTP</protocol>
<macAddress>68:6d:bc:7d:9e:27</macAddress>
<channelID>1</channelID>
<dateTime>${o.dateTime}</dateTime>
<activePostCount>1</activePostCount>
<eventType>${o.eventType ?? 'ANPR'}</eventType>
<eventState>${o.state ?? 'active'}</eventState>
<eventDescription>ANPR</eventDescription>
<channelName>Entry LPR</channelName>
<ANPR>
<country>Poland</country>
<licensePlate>${o.plate}</licensePlate>
<line>1</line>
<direction>forward</direction>
<confidenceLevel>${o.confidence ?? 93}</confidenceLevel>
<plateType>unknown</plateType>
<plateColor>unknown</plateColor>
<licenseBright>0</licenseBright>
<vehicleType>vehicle</vehicleType>
<detectDir>8</detectDir>
<detectType>0</detectType>
</ANPR>
${o.uuid ? `<UUID>${o.uuid}</UUID>\n` : ''}<picNum>1</picNum>
</EventNotificationAlert>
`;
}

/** The camera's push: multipart/form-data with anpr.xml and the plate picture, or the XML alone. */
export async function pushAlarm(url: string, xml: string, form: 'multipart' | 'xml' = 'multipart'): Promise<{ status: number; text: string }> {
  let body: Buffer;
  let type: string;
  if (form === 'xml') {
    body = Buffer.from(xml);
    type = 'application/xml; charset="UTF-8"';
  } else {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9]);
    body = Buffer.concat([
      Buffer.from(`--boundary\r\nContent-Disposition: form-data; name="anpr.xml"; filename="anpr.xml"\r\nContent-Type: text/xml; charset="UTF-8"\r\nContent-Length: ${Buffer.byteLength(xml)}\r\n\r\n${xml}\r\n`),
      Buffer.from(`--boundary\r\nContent-Disposition: form-data; name="licensePlatePicture.jpg"; filename="licensePlatePicture.jpg"\r\nContent-Type: image/pjpeg\r\nContent-Length: ${jpeg.length}\r\nContent-ID: licensePlatePicture\r\n\r\n`),
      jpeg, Buffer.from('\r\n--boundary--\r\n'),
    ]);
    type = 'multipart/form-data; boundary=boundary';
  }
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
  return { status: res.status, text: await res.text() };
}
