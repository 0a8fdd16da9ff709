// A small DNS responder for the Playwright tier: answers TXT questions over UDP from records
// the specs publish through a control port, so domain verification runs its real lookup
// (the test server is started with DIGAME_DNS_SERVER pointing here). Node's standard
// library only: one question per query, a TXT answer of one string, NXDOMAIN otherwise.
//
//   node end2end/dns-responder.mjs   → prints "dns=127.0.0.1:PORT control=http://127.0.0.1:PORT"
//   POST {control}/txt  {"name": "_digame-verification.acme.test", "value": "digame-verification=…"}
import dgram from 'node:dgram';
import http from 'node:http';

const records = new Map();

function readName(buf, offset) {
  const labels = [];
  for (;;) {
    const len = buf[offset];
    if (len === undefined) throw new Error('truncated name');
    offset += 1;
    if (len === 0) break;
    if (len & 0xc0) throw new Error('compressed names are not expected in a question');
    labels.push(buf.subarray(offset, offset + len).toString('latin1'));
    offset += len;
  }
  return { name: labels.join('.').toLowerCase(), offset };
}

function answer(query) {
  const id = query.readUInt16BE(0);
  const flags = query.readUInt16BE(2);
  const { name, offset } = readName(query, 12);
  const qtype = query.readUInt16BE(offset);
  const question = query.subarray(12, offset + 4);
  const values = qtype === 16 ? records.get(name) ?? null : null;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  // QR, the query's RD, RA; NXDOMAIN when the name has no record.
  header.writeUInt16BE(0x8080 | (flags & 0x0100) | (records.has(name) ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  const answers = (values ?? []).map((value) => {
    const text = Buffer.from(value, 'utf8').subarray(0, 255);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the question's name
    rr.writeUInt16BE(16, 2); // TXT
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(5, 6); // TTL
    rr.writeUInt16BE(text.length + 1, 10);
    return Buffer.concat([rr, Buffer.from([text.length]), text]);
  });
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, question, ...answers]);
}

const udp = dgram.createSocket('udp4');
udp.on('message', (msg, from) => {
  try {
    udp.send(answer(msg), from.port, from.address);
  } catch {
    // A query this responder cannot read gets no answer, as from a real server that drops it.
  }
});

const control = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/txt') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    try {
      const { name, value } = JSON.parse(body);
      records.set(String(name).toLowerCase().replace(/\.$/, ''), [String(value)]);
      res.writeHead(204).end();
    } catch {
      res.writeHead(400).end();
    }
  });
});

udp.bind(0, '127.0.0.1', () => {
  control.listen(0, '127.0.0.1', () => {
    console.log(`dns=127.0.0.1:${udp.address().port} control=http://127.0.0.1:${control.address().port}`);
  });
});
