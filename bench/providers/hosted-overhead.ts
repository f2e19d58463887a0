/**
 * What the hosted-provider layer (LangChain + SDK + our error/signal plumbing)
 * costs per request, against the fake OpenAI/HF servers on loopback, with a
 * raw `fetch` of the same request as the baseline measured in the same run.
 * Also: batch fan-out against a fixed upstream latency.
 *
 *   npm run build && node dist/bench/providers/hosted-overhead.js [--requests 300]
 */
import { createOpenAIProvider } from '../../providers/openai/index.js';
import { createHuggingFaceProvider } from '../../providers/huggingface/index.js';
import { startFakeOpenAI } from '../../test/helpers/fake-openai.js';
import { startFakeHuggingFace } from '../../test/helpers/fake-huggingface.js';
import { requestFor } from '../../test/helpers/generation-requests.js';
import { mapWithConcurrency } from '../../providers/call-scope.js';
import { writeSection } from '../report.js';

const argAt = process.argv.indexOf('--requests');
const N = argAt >= 0 ? Number(process.argv[argAt + 1]) : 300;

async function timeSequential(n: number, once: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 20; i += 1) await once(); // warm-up: JIT, keep-alive sockets
  const started = performance.now();
  for (let i = 0; i < n; i += 1) await once();
  return (performance.now() - started) / n;
}

async function main(): Promise<void> {
  const openai = await startFakeOpenAI();
  const hf = await startFakeHuggingFace();
  const request = requestFor('Linen Shirt');
  try {
    const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: request.prompt }] });
    const rawOpenAI = await timeSequential(N, async () => {
      const res = await fetch(`${openai.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chatBody,
      });
      await res.json();
    });
    const oa = createOpenAIProvider({ apiKey: 'sk-bench', baseURL: openai.baseURL });
    const viaOpenAI = await timeSequential(N, async () => void (await oa.generate([request])));
    const streamed = await timeSequential(N, async () => void (await oa.generate([request], { onToken: () => {} })));

    const hfBody = JSON.stringify({ inputs: request.prompt, parameters: { return_full_text: false } });
    const rawHF = await timeSequential(N, async () => {
      const res = await fetch(`${hf.url}/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: hfBody,
      });
      await res.json();
    });
    const hfp = createHuggingFaceProvider({ apiKey: 'hf_bench', endpointUrl: `${hf.url}/generate` });
    const viaHF = await timeSequential(N, async () => void (await hfp.generate([request])));

    // Fan-out: 64 requests, 20 ms upstream latency, 8 at a time → ideal 8 rounds × 20 ms.
    openai.setLatency(20);
    const batch = Array.from({ length: 64 }, (_, i) => requestFor(`Item ${i}`));
    const rawStarted = performance.now();
    await mapWithConcurrency(batch, 8, async (r) => {
      const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: r.prompt }] });
      const res = await fetch(`${openai.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return res.json() as Promise<unknown>;
    });
    const rawBatchMs = performance.now() - rawStarted;
    const started = performance.now();
    const results = await oa.generate(batch);
    const batchMs = performance.now() - started;
    const failures = results.filter((r) => r instanceof Error).length;

    const f = (x: number): string => x.toFixed(3);
    const body = [
      `Command: \`npm run build && node dist/bench/providers/hosted-overhead.js --requests ${N}\``,
      '',
      `${N} sequential requests each, after 20 warm-up requests, against the fake servers on 127.0.0.1 (no latency).`,
      'Baseline: a raw `fetch` of the same request, parsed as JSON, in the same run.',
      '',
      '| path | ms / request | ratio to raw fetch |',
      '|---|---:|---:|',
      `| raw fetch, OpenAI chat completion | ${f(rawOpenAI)} | 1.00 |`,
      `| createOpenAIProvider().generate (JSON) | ${f(viaOpenAI)} | ${(viaOpenAI / rawOpenAI).toFixed(2)} |`,
      `| createOpenAIProvider().generate (SSE stream, onToken) | ${f(streamed)} | ${(streamed / rawOpenAI).toFixed(2)} |`,
      `| raw fetch, TGI /generate | ${f(rawHF)} | 1.00 |`,
      `| createHuggingFaceProvider().generate (TGI endpoint) | ${f(viaHF)} | ${(viaHF / rawHF).toFixed(2)} |`,
      '',
      `Fan-out: 64 requests in one \`generate\` call, maxConcurrency 8, 20 ms upstream latency: ${batchMs.toFixed(0)} ms, ` +
        `against ${rawBatchMs.toFixed(0)} ms for raw fetch 8 at a time (ratio ${(batchMs / rawBatchMs).toFixed(2)}; ideal 8 rounds × 20 ms = 160 ms), ` +
        `${failures} failures. Client and fake share one process, so the client's CPU time also delays the fake.`,
    ].join('\n');
    console.log(body);
    writeSection('hosted-providers', 'Hosted providers: per-request overhead', body);
  } finally {
    await openai.close();
    await hf.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
