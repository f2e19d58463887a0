/**
 * The fake provider servers themselves: other suites (routing, benchmarks,
 * production tests) rely on their wire format, fault queue and close().
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { OPENAI_ROUTES, startFakeOpenAI } from '../../helpers/fake-openai.js';
import { HF_ROUTES, startFakeHuggingFace } from '../../helpers/fake-huggingface.js';
import { fakeCompletion, fakeEmbedding, productSubject } from '../../helpers/fake-text.js';
import { promptFor } from '../../helpers/generation-requests.js';
import { repoRoot } from '../../helpers/paths.js';
import { waitFor } from '../../helpers/wait.js';
import { must } from '../../helpers/must.js';

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('fake text', () => {
  it('names the product from the prompt and honours max tokens and stop', () => {
    assert.equal(productSubject(promptFor('Linen Shirt')), 'Linen Shirt');
    const full = fakeCompletion(promptFor('Linen Shirt'));
    assert.match(full.text, /Linen Shirt/);
    assert.equal(full.pieces.join(''), full.text);
    const short = fakeCompletion(promptFor('Linen Shirt'), { maxTokens: 2 });
    assert.equal(short.finish, 'length');
    assert.equal(short.pieces.length, 2);
    const stopped = fakeCompletion(promptFor('Linen Shirt'), { stop: ['Linen'] });
    assert.doesNotMatch(stopped.text, /Linen/);
    assert.notEqual(fakeCompletion(promptFor('X'), { seed: 1 }).text, fakeCompletion(promptFor('X'), { seed: 2 }).text);
  });

  it('embeds shared words closer than unrelated ones', () => {
    const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0);
    const a = fakeEmbedding('red linen summer shirt');
    assert.ok(Math.abs(dot(a, a) - 1) < 1e-9);
    assert.ok(dot(a, fakeEmbedding('red linen shirt')) > dot(a, fakeEmbedding('black leather boots')));
  });
});

describe('fake OpenAI server', () => {
  it('answers chat, embeddings (float and base64) and models, counting calls per route', async () => {
    const fake = await startFakeOpenAI();
    try {
      const chat = await post(`${fake.baseURL}/chat/completions`, {
        model: 'm',
        messages: [{ role: 'user', content: promptFor('Tee') }],
      });
      const chatBody = (await chat.json()) as {
        choices: Array<{ message: { content: string }; finish_reason: string }>;
        usage: { completion_tokens: number };
      };
      const choice = must(chatBody.choices[0], 'the choice');
      assert.equal(choice.message.content, fakeCompletion(promptFor('Tee')).text);
      assert.equal(choice.finish_reason, 'stop');

      const floats = (await (
        await post(`${fake.baseURL}/embeddings`, { model: 'e', input: ['a b'], encoding_format: 'float' })
      ).json()) as {
        data: Array<{ embedding: number[] }>;
      };
      const b64 = (await (
        await post(`${fake.baseURL}/embeddings`, { model: 'e', input: 'a b', encoding_format: 'base64' })
      ).json()) as {
        data: Array<{ embedding: string }>;
      };
      assert.deepEqual(floats.data[0]?.embedding, fakeEmbedding('a b'));
      // base64 of little-endian float32, as the OpenAI SDK requests by default.
      const bytes = Buffer.from(b64.data[0]?.embedding ?? '', 'base64');
      const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
      assert.deepEqual(decoded, Array.from(new Float32Array(fakeEmbedding('a b'))));

      const models = (await (await fetch(`${fake.baseURL}/models`)).json()) as { data: Array<{ id: string }> };
      assert.ok(models.data.some((m) => m.id === 'gpt-4o-mini'));
      assert.equal(fake.count(OPENAI_ROUTES.chat), 1);
      assert.equal(fake.count(OPENAI_ROUTES.embeddings), 2);
      assert.equal(fake.count(OPENAI_ROUTES.models), 1);
      assert.equal((await fetch(`${fake.url}/nope`)).status, 404);
    } finally {
      await fake.close();
    }
  });

  it('streams SSE chunks ending in [DONE], with a usage chunk when asked', async () => {
    const fake = await startFakeOpenAI();
    try {
      const res = await post(`${fake.baseURL}/chat/completions`, {
        model: 'm',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: promptFor('Tee') }],
      });
      assert.equal(res.headers.get('content-type'), 'text/event-stream');
      const events = (await res.text())
        .split('\n\n')
        .filter((e) => e.startsWith('data: '))
        .map((e) => e.slice(6));
      assert.equal(events.at(-1), '[DONE]');
      const chunks = events
        .slice(0, -1)
        .map((e) => JSON.parse(e) as { choices: Array<{ delta: { content?: string } }>; usage: unknown });
      assert.equal(
        chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''),
        fakeCompletion(promptFor('Tee')).text,
      );
      assert.ok(chunks.at(-1)?.usage, 'the last chunk carries usage');
    } finally {
      await fake.close();
    }
  });

  it('applies queued faults before the sticky mode, only to matching calls', async () => {
    const fake = await startFakeOpenAI();
    try {
      fake.failNext(2, '503', { route: OPENAI_ROUTES.embeddings });
      fake.failNext(1, '429');
      const statuses: number[] = [];
      statuses.push((await post(`${fake.baseURL}/embeddings`, { input: 'a' })).status);
      statuses.push((await post(`${fake.baseURL}/chat/completions`, { messages: [] })).status);
      statuses.push((await post(`${fake.baseURL}/embeddings`, { input: 'a' })).status);
      statuses.push((await post(`${fake.baseURL}/embeddings`, { input: 'a' })).status);
      fake.setMode('401');
      statuses.push((await post(`${fake.baseURL}/embeddings`, { input: 'a' })).status);
      assert.deepEqual(statuses, [503, 429, 503, 200, 401]);
      assert.deepEqual(
        fake.calls.map((c) => c.mode),
        ['503', '429', '503', 'ok', '401'],
      );
    } finally {
      await fake.close();
    }
  });

  it('close() ends hanging requests', async () => {
    const fake = await startFakeOpenAI();
    fake.setMode('hang');
    const pending = post(`${fake.baseURL}/chat/completions`, { messages: [] }).then(
      () => 'answered',
      () => 'dropped',
    );
    await waitFor(() => fake.inFlight() > 0, { what: 'the request to arrive' });
    await fake.close();
    assert.equal(await pending, 'dropped');
  });

  it('runs standalone: node dist/test/helpers/fake-openai.js --port 0 --latency-ms 20', async () => {
    const script = path.join(repoRoot, 'dist', 'test', 'helpers', 'fake-openai.js');
    const child = spawn(process.execPath, [script, '--port', '0', '--latency-ms', '20'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      const baseURL = /listening on (\S+)/.exec(line)?.[1];
      assert.ok(baseURL, line);
      const started = Date.now();
      const res = await fetch(`${baseURL}/models`);
      assert.equal(res.status, 200);
      assert.ok(Date.now() - started >= 15, 'latency applied');
      lines.close();
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});

describe('fake Hugging Face server', () => {
  it('serves the serverless form and TGI routes', async () => {
    const fake = await startFakeHuggingFace();
    try {
      const prompt = promptFor('Tee');
      const serverless = (await (await post(`${fake.url}/models/org/model`, { inputs: prompt })).json()) as Array<{
        generated_text: string;
      }>;
      assert.equal(serverless[0]?.generated_text, prompt + fakeCompletion(prompt).text, 'echoes the prompt by default');
      const vectors = (await (
        await post(`${fake.url}/models/org/embedder`, { inputs: ['a', 'b'] })
      ).json()) as number[][];
      assert.deepEqual(vectors, [fakeEmbedding('a'), fakeEmbedding('b')]);
      const tgi = (await (
        await post(`${fake.url}/generate`, { inputs: prompt, parameters: { details: true, max_new_tokens: 2 } })
      ).json()) as {
        generated_text: string;
        details: { finish_reason: string; generated_tokens: number };
      };
      assert.equal(tgi.generated_text, fakeCompletion(prompt, { maxTokens: 2 }).text);
      assert.deepEqual([tgi.details.finish_reason, tgi.details.generated_tokens], ['length', 2]);
      const stream = await (await post(`${fake.url}/generate_stream`, { inputs: prompt })).text();
      const events = stream
        .split('\n\n')
        .filter(Boolean)
        .map((e) => JSON.parse(e.slice(6)) as { token: { text: string }; generated_text: string | null });
      assert.equal(events.map((e) => e.token.text).join(''), fakeCompletion(prompt).text);
      assert.equal(events.at(-1)?.generated_text, fakeCompletion(prompt).text);
      assert.deepEqual(
        fake.calls.map((c) => c.route),
        [HF_ROUTES.textGeneration, HF_ROUTES.featureExtraction, HF_ROUTES.tgiGenerate, HF_ROUTES.tgiGenerateStream],
      );
    } finally {
      await fake.close();
    }
  });

  it('rejects a wrong token when it expects one', async () => {
    const fake = await startFakeHuggingFace({ apiKey: 'hf_expected' });
    try {
      const res = await fetch(`${fake.url}/generate`, {
        method: 'POST',
        headers: { authorization: 'Bearer hf_other' },
        body: '{"inputs":"x"}',
      });
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { error: 'Invalid credentials in Authorization header' });
    } finally {
      await fake.close();
    }
  });
});
