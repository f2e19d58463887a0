import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../../../helpers/paths.js';
import {
  chatMessages,
  compileChatTemplate,
  findChatTemplate,
  strftime,
  type ChatMessage,
} from '../../../../providers/onnx/chat-template.js';
import { ModelFolderError, readModelFolder } from '../../../../providers/onnx/model-folder.js';
import { loadTokenizer } from '../../../../providers/onnx/tokenizer.js';
import { fixtureDir, openFixture, request } from './onnx-test-helpers.js';
import { tempDir, type AfterHook } from '../../../helpers/temp-dir.js';
import { must } from '../../../helpers/must.js';

const templatesDir = path.join(fixturesDir, 'chat-templates');

interface Rendering {
  template: string;
  case: string;
  date: string;
  specialTokens: Record<string, string | null>;
  messages: ChatMessage[];
  rendered: string;
}

const renderings = JSON.parse(readFileSync(path.join(templatesDir, 'expected.json'), 'utf8')) as Rendering[];

test('real chat templates (Qwen2.5, Llama 3.2) render byte for byte as Python jinja2 renders them', () => {
  assert.ok(renderings.length >= 6);
  for (const r of renderings) {
    const source = readFileSync(path.join(templatesDir, `${r.template}.jinja`), 'utf8');
    const tokenizerConfig = Object.fromEntries(Object.entries(r.specialTokens).filter(([, v]) => v !== null));
    const template = compileChatTemplate(
      source,
      { dir: templatesDir, tokenizerConfig },
      { now: () => new Date(r.date) },
    );
    assert.equal(template.render(r.messages), r.rendered, `${r.template} / ${r.case}`);
  }
});

test('Llama 3.2 prints the injected date; Qwen2.5 adds its own system line when the request has none', () => {
  const llama = must(
    renderings.find((r) => r.template === 'llama3_2' && r.case === 'user-only'),
    'the llama3_2 user-only rendering',
  );
  assert.match(llama.rendered, /Today Date: 07 Mar 2025/);
  const qwen = must(
    renderings.find((r) => r.template === 'qwen2_5' && r.case === 'user-only'),
    'the qwen2_5 user-only rendering',
  );
  assert.match(qwen.rendered, /^<\|im_start\|>system\nYou are Qwen/);
  assert.ok(qwen.rendered.endsWith('<|im_start|>assistant\n'));
});

test('strftime writes the C locale, whatever the host locale', () => {
  const d = new Date(2024, 6, 26, 8, 5, 9);
  assert.equal(strftime(d, '%d %b %Y'), '26 Jul 2024');
  assert.equal(strftime(d, '%B %m/%d %H:%M:%S %y %j %%'), 'July 07/26 08:05:09 24 208 %');
});

test('chatMessages: the system part first when there is one, then the user part', () => {
  assert.deepEqual(chatMessages({ system: 'Brand voice.', prompt: 'Facts.' }), [
    { role: 'system', content: 'Brand voice.' },
    { role: 'user', content: 'Facts.' },
  ]);
  assert.deepEqual(chatMessages({ prompt: 'Facts.' }), [{ role: 'user', content: 'Facts.' }]);
});

test('template sources: chat_template.jinja wins over tokenizer_config; a named list uses "default"; a bad field or template is a ModelFolderError', (t) => {
  const dir = tempDir('chat-template', t);
  assert.equal(findChatTemplate({ dir, tokenizerConfig: {} }), null);
  assert.equal(
    findChatTemplate({
      dir,
      tokenizerConfig: {
        chat_template: [
          { name: 'tool_use', template: 'T' },
          { name: 'default', template: 'D' },
        ],
      },
    }),
    'D',
  );
  assert.throws(() => findChatTemplate({ dir, tokenizerConfig: { chat_template: 42 } }), ModelFolderError);
  writeFileSync(path.join(dir, 'chat_template.jinja'), 'FILE');
  assert.equal(findChatTemplate({ dir, tokenizerConfig: { chat_template: 'CONFIG' } }), 'FILE');
  assert.throws(() => compileChatTemplate('{% for m in messages %}', { dir, tokenizerConfig: {} }), /does not parse/);
});

/** tiny-llama (whose tokenizer adds a BOS) copied with a chat template of the Llama kind, which writes the BOS itself. */
function tinyLlamaWithTemplate(template: string, t: AfterHook): string {
  const dir = tempDir('tiny-llama-chat', t);
  cpSync(fixtureDir('tiny-llama'), dir, { recursive: true });
  writeFileSync(path.join(dir, 'chat_template.jinja'), template);
  return dir;
}

test('a template that writes the BOS gets exactly one BOS; the system line reaches the model; providers say chat_template', async (t) => {
  const template =
    '{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}';
  const dir = tinyLlamaWithTemplate(template, t);
  const plain = await openFixture('tiny-llama', { decoding: { maxNewTokens: 3, doSample: false } });
  const chat = await openFixture('tiny-llama', {
    modelDir: dir,
    modelName: 'org/tiny-llama',
    decoding: { maxNewTokens: 3, doSample: false },
  });
  try {
    const tokenizer = loadTokenizer(readModelFolder(dir));
    const bos = must(tokenizer.special.bos, 'a BOS id');
    // The tokenizer on its own adds a BOS; after a template that wrote one, a second would be the doubled BOS.
    assert.equal(tokenizer.encode('x')[0], bos);
    const rendered = compileChatTemplate(template, readModelFolder(dir)).render(
      chatMessages({ system: 'Be warm.', prompt: 'Linen dress' }),
    );
    assert.equal(rendered, '<s>[system] Be warm.\n[user] Linen dress\n[assistant] ');
    const ids = tokenizer.encode(rendered, { addSpecialTokens: false });
    assert.equal(ids.filter((id) => id === bos).length, 1);
    assert.equal(ids[0], bos);

    const withSystem = request('Linen dress', { system: 'Be warm.' });
    const [c] = await chat.generate([withSystem]);
    const [p] = await plain.generate([withSystem]);
    assert.ok(c && !('kind' in c) && p && !('kind' in p));
    assert.equal(c.promptTokens, ids.length);
    assert.equal(
      p.promptTokens,
      tokenizer.encode('Linen dress').length,
      'the plain prompt is the user text alone, as before',
    );
    assert.equal(c.model, 'org/tiny-llama');
    assert.equal(chat.capabilities.promptFormat, 'chat_template');
    assert.equal(plain.capabilities.promptFormat, 'plain');
    assert.equal((await chat.health()).details?.promptFormat, 'chat_template');
    // Without a stylesprint.json, an instruct model honours everything and a plain one writes English only.
    assert.deepEqual(chat.capabilities.honours?.languages, ['*']);
    assert.deepEqual(plain.capabilities.honours, {
      languages: ['en'],
      instructions: false,
      personalization: { tone: false, segment: false, keywords: false },
    });
  } finally {
    await chat.close();
    await plain.close();
  }
});

test('stylesprint.json declares what a folder honours; a bad declaration is a ModelFolderError', async (t) => {
  const dir = tinyLlamaWithTemplate('{% for m in messages %}{{ m.content }}{% endfor %}', t);
  writeFileSync(
    path.join(dir, 'stylesprint.json'),
    JSON.stringify({ honours: { languages: ['en', 'fr'], personalization: { keywords: false } } }),
  );
  const provider = await openFixture('tiny-llama', { modelDir: dir });
  assert.deepEqual(provider.capabilities.honours, {
    languages: ['en', 'fr'],
    instructions: true,
    personalization: { tone: true, segment: true, keywords: false },
  });
  await provider.close();
  writeFileSync(path.join(dir, 'stylesprint.json'), JSON.stringify({ honours: { languages: ['English'] } }));
  await assert.rejects(openFixture('tiny-llama', { modelDir: dir }), /honours\.languages must be/);
});
