import { randomBytes } from 'node:crypto';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import type { ICredential } from '@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js';
import { Client as SshClient } from 'ssh2';
import { signedQuery } from '../marketplace/signing.js';
import { OPEN_API_BASE } from '../api/routes/open-api.js';
import { DEFAULT_FLAVOR, DEFAULT_IMAGE_ID } from '../sandbox/emulator.js';
import { sampleCommands, samplePackage } from './sample-package.js';

/**
 * `oneclick demo`: both license models end to end on a running OneClick with the sandbox cloud,
 * through its HTTP API as its users would. A seller registers a product of each model with the
 * sample package, a buyer buys both, deploys both; the License 2.0 software activates its code
 * through KooGallery's open API (signed with the seller's AK/SK as Huawei's SDKs sign); the seller
 * confirms completion, the buyer accepts the License 1.0 delivery; both orders end `completed`.
 */
export interface DemoTarget {
  apiUrl: string;
  operatorKey: string;
  marketplaceAccessKey: string;
  temporalUiUrl?: string;
  temporalNamespace: string;
}

type Json = Record<string, unknown>;
type Say = (line: string) => void;

/** An ECS password that meets ECS's rules (upper, lower, digit, special; 8 to 26). */
const demoPassword = () => `Demo-${randomBytes(6).toString('hex')}!Aa9`;

export async function runDemo(target: DemoTarget, say: Say): Promise<{ completed: string[] }> {
  const api = async (method: string, path: string, key: string, body?: unknown, type?: string) => {
    const binary = body instanceof Uint8Array;
    const res = await fetch(`${target.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined && {
          'content-type': type ?? (binary ? 'application/octet-stream' : 'application/json'),
        }),
      },
      body: binary ? body : body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Json;
    if (res.status >= 300) {
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    }
    return json;
  };

  say('1. A seller, its open API credentials, and a product of each license model');
  const seller = (
    (await api('POST', '/v1/principals', target.operatorKey, {
      role: 'seller',
      name: 'Demo Seller',
    })) as { apiKey: { key: string } }
  ).apiKey.key;
  const credentials = (await api('POST', '/v1/keys/api-credentials', seller)) as {
    ak: string;
    sk: string;
  };
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const pkg = samplePackage();
  const products: Record<'license2' | 'license1', string> = { license2: '', license1: '' };
  for (const model of ['license2', 'license1'] as const) {
    const product = (await api('POST', '/v1/products', seller, {
      marketplaceProductId: `OFFI-DEMO-${model.toUpperCase()}-${tag}`,
      name: model === 'license2' ? 'Sample Service (License 2.0)' : 'Sample Service (License 1.0)',
      licenseModel: model,
      installDir: '/opt/sample',
      licensePath: '/etc/sample/license',
      ports: [8080],
      ...sampleCommands(model),
    })) as { id: string; marketplaceProductId: string };
    await api(
      'POST',
      `/v1/packages?fileName=sample-service.tar.gz&productId=${product.id}`,
      seller,
      new Uint8Array(pkg),
    );
    products[model] = product.marketplaceProductId;
    say(`   ${model}: product ${product.id}, package sample-service.tar.gz (${pkg.length} bytes)`);
  }

  say('2. A buyer, and the marketplace reports both orders paid');
  const customerId = `demo-buyer-${tag}`;
  const buyer = (
    (await api('POST', '/v1/principals', target.operatorKey, {
      role: 'buyer',
      name: 'Demo Buyer',
      customerId,
    })) as { apiKey: { key: string } }
  ).apiKey.key;
  const orders: Record<'license2' | 'license1', string> = { license2: '', license1: '' };
  for (const model of ['license2', 'license1'] as const) {
    const raw = JSON.stringify({
      orderId: `CS-DEMO-${tag}-${model}`,
      orderLineId: `CS-DEMO-${tag}-${model}-1`,
      customerId,
      productId: products[model],
    });
    const res = await fetch(
      `${target.apiUrl}/marketplace/v1/orders/paid?${signedQuery(target.marketplaceAccessKey, raw).toString()}`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw },
    );
    const order = ((await res.json()) as { order: { id: string } }).order;
    orders[model] = order.id;
    say(`   ${model}: order ${order.id}`);
  }

  say('3. The buyer clicks Start Deployment on both');
  const passwords: Record<string, string> = {};
  for (const model of ['license2', 'license1'] as const) {
    passwords[model] = demoPassword();
    await api('POST', `/v1/orders/${orders[model]}/deployments`, buyer, {
      server: { imageRef: DEFAULT_IMAGE_ID, flavorRef: DEFAULT_FLAVOR },
      adminPassword: passwords[model],
    });
  }
  const finished: Record<string, Json> = {};
  const printed = new Set<string>();
  const deadline = Date.now() + 15 * 60_000;
  while (Object.keys(finished).length < 2) {
    if (Date.now() > deadline) throw new Error('the deployments did not finish in 15 minutes');
    for (const model of ['license2', 'license1'] as const) {
      if (finished[model]) continue;
      const d = await api('GET', `/v1/orders/${orders[model]}/deployments/current`, buyer);
      for (const s of d.steps as {
        step: string;
        status: string;
        attempts: number;
        logTail: string | null;
      }[]) {
        const line = `   ${model} ${s.step}: ${s.status}${s.attempts > 1 ? ` (attempt ${s.attempts})` : ''}`;
        if (s.status === 'running' || printed.has(line)) continue;
        printed.add(line);
        say(
          `${line}${s.logTail ? ` · ${s.logTail.split('\n').filter(Boolean).at(-1)?.slice(0, 100)}` : ''}`,
        );
      }
      if (['succeeded', 'failed', 'cancelled'].includes(String(d.state))) {
        finished[model] = d;
        if (d.state !== 'succeeded') {
          throw new Error(
            `the ${model} deployment ended ${String(d.state)}: ${JSON.stringify(d.failure)}`,
          );
        }
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }

  say(
    "4. License 2.0: the sample software reads its code and activates it through KooGallery's open API",
  );
  const serverIp = (model: string) =>
    /^server \S+ \S+ at (\S+)$/.exec(
      (finished[model]!.steps as { step: string; logTail: string | null }[]).find(
        (s) => s.step === 'server',
      )?.logTail ?? '',
    )?.[1];
  const ip = serverIp('license2');
  if (!ip) throw new Error('the License 2.0 deployment recorded no server address');
  const code = (await readOverSsh(ip, passwords.license2!, 'cat /etc/sample/license')).trim();
  const activation = await activate(target.apiUrl, credentials, code);
  say(
    `   activate ${code.slice(0, 10)}…: ${activation.error_code} ${activation.error_msg ?? ''}`.trimEnd(),
  );
  if (activation.error_code !== '92020000') throw new Error('the activation was refused');

  say("5. The seller confirms completion (OneClick's signed evidence is the acceptance report)");
  for (const model of ['license2', 'license1'] as const) {
    const confirmed = (await api(
      'POST',
      `/v1/orders/${orders[model]}/supervision/confirm`,
      seller,
      {
        description: `Sample Service deployed by OneClick and running licensed (${model})`,
      },
    )) as { state: string };
    say(`   ${model}: ${confirmed.state}`);
  }
  say('6. The buyer accepts the License 1.0 delivery');
  const accepted = (await api(
    'POST',
    `/v1/orders/${orders.license1}/supervision/accept`,
    buyer,
  )) as {
    state: string;
  };
  say(`   license1: ${accepted.state}`);

  say('7. Where to look');
  const completed: string[] = [];
  for (const model of ['license2', 'license1'] as const) {
    const v = (await api('GET', `/v1/orders/${orders[model]}/supervision`, buyer)) as {
      state: string;
      history: { fromState: string | null; toState: string }[];
    };
    // Transitions only (notes such as "deploying" keep the state).
    const states = v.history.filter((e) => e.fromState !== e.toState).map((e) => e.toState);
    say(`   ${model} supervision: ${states.join(' → ')}`);
    if (v.state === 'completed') completed.push(model);
    say(
      `   evidence: ${target.apiUrl}/v1/orders/${orders[model]}/deployments/current/evidence.html (buyer key: ${buyer})`,
    );
    if (target.temporalUiUrl) {
      const wf = String(finished[model]!.workflowId);
      say(
        `   workflow: ${target.temporalUiUrl}/namespaces/${target.temporalNamespace}/workflows/${encodeURIComponent(wf)}`,
      );
    }
  }
  return { completed };
}

/** What the seller's software does: one signed call of KooGallery's activate. */
async function activate(
  apiUrl: string,
  cred: { ak: string; sk: string },
  code: string,
): Promise<{ error_code: string; error_msg?: string }> {
  const url = `${apiUrl}${OPEN_API_BASE}/v1/license/activate`;
  const data = { license: code };
  const credential = { getAk: () => cred.ak, getSk: () => cred.sk } as unknown as ICredential;
  const headers = AKSKSigner.sign(
    {
      endpoint: url,
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      queryParams: {},
      data,
    },
    credential,
  ) as Record<string, string>;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(data) });
  return (await res.json()) as { error_code: string; error_msg?: string };
}

function readOverSsh(host: string, password: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = new SshClient();
    conn
      .on('ready', () => {
        conn.exec(command, (err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (d: Buffer) => (out += d.toString('utf8')));
          stream.stderr.resume();
          stream.on('close', () => {
            conn.end();
            resolve(out);
          });
        });
      })
      .on('error', reject)
      .connect({ host, port: 22, username: 'root', password, readyTimeout: 20_000 });
  });
}
