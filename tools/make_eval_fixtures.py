#!/usr/bin/python3
"""Makes the evaluation fixtures: a tiny sentence encoder and a tiny CLIP.

Run from the repository root with Debian's Python (torch 1.13, onnx, PIL):

    /usr/bin/python3 tools/make_eval_fixtures.py

Writes (all random weights, seed 1234; nothing is downloaded):

  test/fixtures/models/tiny-bert/   BERT layout, sentence-transformers files,
                                    onnx/model.onnx, expected.json
  test/fixtures/models/tiny-clip/   CLIP layout, onnx/text_model.onnx,
                                    onnx/vision_model.onnx, onnx/model.onnx,
                                    expected.json
  test/fixtures/images/pil/         PIL's normalised pixels (float32, CHW, LE)
                                    for the chapter-4 images the CLIP test uses

The expected values are what PyTorch computes, so the TypeScript runners can
be checked against them. The tokenizers are WordPiece in the Hugging Face
tokenizers JSON format; the tokenisation here mirrors BertNormalizer,
BertPreTokenizer and WordPiece closely enough for the fixed test sentences.
The chapter-4 images are read from ../shared and are never copied.
"""
import csv
import json
import math
import os
import re
import unicodedata
from collections import Counter

import numpy as np
import torch
from PIL import Image
from torch import nn

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
SHARED = os.environ.get('STYLESPRINT_SHARED_DIR', os.path.join(ROOT, '..', 'shared'))
CHAPTER4 = os.path.join(SHARED, 'datasets', 'stylesprint-chapter4')
FIXTURES = os.path.join(ROOT, 'test', 'fixtures')
SEED = 1234
OPSET = 14

# ---------------------------------------------------------------- corpus ----


def corpus_texts():
    """Catalog text when catalog/products.json exists, else the chapter-4 CSVs."""
    catalog = os.path.join(ROOT, 'catalog', 'products.json')
    if os.path.exists(catalog):
        with open(catalog, encoding='utf8') as f:
            data = json.load(f)
        items = data if isinstance(data, list) else data.get('products', [])
        out = []
        for p in items:
            for key in ('title', 'description', 'category'):
                if isinstance(p.get(key), str):
                    out.append(p[key])
            for key in ('attributes', 'colors', 'materials'):
                if isinstance(p.get(key), list):
                    out.extend(str(x) for x in p[key])
        return out, 'catalog/products.json'
    out = []
    with open(os.path.join(CHAPTER4, 'product_data.csv'), encoding='utf8') as f:
        for row in csv.DictReader(f):
            out.extend([row['product_title'], row['product_description'], row['product_metadata']])
    return out, 'chapter-4 product_data.csv'


# ------------------------------------------------------------- tokenizer ----


def is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith('P')


def bert_normalize(text):
    """BertNormalizer(clean_text, handle_chinese_chars, lowercase, strip_accents=None)."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or (ch not in '\t\n\r' and unicodedata.category(ch) in ('Cc', 'Cf', 'Co', 'Cs')):
            continue
        out.append(' ' if ch.isspace() else ch)
    text = ''.join(out).lower()
    text = unicodedata.normalize('NFD', text)
    return ''.join(ch for ch in text if unicodedata.category(ch) != 'Mn')


def bert_pre_tokenize(text):
    words, cur = [], ''
    for ch in text.strip():
        if ch.isspace():
            if cur:
                words.append(cur)
            cur = ''
        elif is_punct(ch):
            if cur:
                words.append(cur)
            words.append(ch)
            cur = ''
        else:
            cur += ch
    if cur:
        words.append(cur)
    return words


def wordpiece(word, vocab, unk):
    if len(word) > 100:
        return [unk]
    pieces, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            sub = word[start:end] if start == 0 else '##' + word[start:end]
            if sub in vocab:
                found = sub
                break
            end -= 1
        if found is None:
            return [unk]
        pieces.append(found)
        start = end
    return pieces


def build_vocab(texts, specials_front, specials_back, max_words):
    """Specials, single characters and ##characters, then whole words by frequency."""
    counts = Counter()
    chars = set('abcdefghijklmnopqrstuvwxyz0123456789')
    for t in texts:
        for w in bert_pre_tokenize(bert_normalize(t)):
            counts[w] += 1
            chars.update(w)
    chars = sorted(c for c in chars if not c.isspace())
    tokens = list(specials_front)
    tokens += chars
    tokens += ['##' + c for c in chars if not is_punct(c)]
    tokens += [t for t in ('##ed', '##ing', '##ly', '##er') if t not in tokens]
    for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(tokens) >= max_words:
            break
        if w not in tokens:
            tokens.append(w)
    tokens += list(specials_back)
    assert len(set(tokens)) == len(tokens), 'duplicate vocabulary entries'
    return {t: i for i, t in enumerate(tokens)}


def tokenizer_json(vocab, unk, special_tokens, first, last):
    added = [
        {'id': vocab[t], 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False,
         'normalized': False, 'special': True}
        for t in special_tokens
    ]
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': added,
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                       'strip_accents': None, 'lowercase': True},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [{'SpecialToken': {'id': first, 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                       {'SpecialToken': {'id': last, 'type_id': 0}}],
            'pair': [{'SpecialToken': {'id': first, 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                     {'SpecialToken': {'id': last, 'type_id': 0}}, {'Sequence': {'id': 'B', 'type_id': 1}},
                     {'SpecialToken': {'id': last, 'type_id': 1}}],
            'special_tokens': {t: {'id': t, 'ids': [vocab[t]], 'tokens': [t]} for t in (first, last)},
        },
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': unk, 'continuing_subword_prefix': '##',
                  'max_input_chars_per_word': 100, 'vocab': vocab},
    }


def encode(text, vocab, unk, first, last, max_len):
    """[first] pieces [last], truncated to max_len by dropping pieces (the last token is kept)."""
    ids = [vocab[first]]
    for w in bert_pre_tokenize(bert_normalize(text)):
        ids += [vocab[p] for p in wordpiece(w, vocab, unk)]
    ids.append(vocab[last])
    if len(ids) > max_len:
        ids = ids[:max_len - 1] + [ids[-1]]
    return ids


# ------------------------------------------------------------ tiny BERT ----

BERT = dict(hidden=32, layers=2, heads=4, intermediate=64, max_pos=64, type_vocab=2, eps=1e-12)


class SelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads, self.dim = heads, hidden // heads
        self.q, self.k, self.v, self.o = (nn.Linear(hidden, hidden) for _ in range(4))

    def forward(self, x, bias):
        b, s, h = x.shape
        split = lambda t: t.view(b, s, self.heads, self.dim).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dim) + bias
        out = torch.matmul(att.softmax(-1), v).transpose(1, 2).reshape(b, s, h)
        return self.o(out)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.att = SelfAttention(c['hidden'], c['heads'])
        self.ln1 = nn.LayerNorm(c['hidden'], eps=c['eps'])
        self.fc1 = nn.Linear(c['hidden'], c['intermediate'])
        self.fc2 = nn.Linear(c['intermediate'], c['hidden'])
        self.ln2 = nn.LayerNorm(c['hidden'], eps=c['eps'])

    def forward(self, x, bias):
        x = self.ln1(x + self.att(x, bias))
        return self.ln2(x + self.fc2(nn.functional.gelu(self.fc1(x))))


class TinyBert(nn.Module):
    """Post-LN BERT encoder: word + position + token-type embeddings, LayerNorm, layers."""

    def __init__(self, vocab_size, c):
        super().__init__()
        self.word = nn.Embedding(vocab_size, c['hidden'])
        self.pos = nn.Embedding(c['max_pos'], c['hidden'])
        self.typ = nn.Embedding(c['type_vocab'], c['hidden'])
        self.ln = nn.LayerNorm(c['hidden'], eps=c['eps'])
        self.layers = nn.ModuleList(BertLayer(c) for _ in range(c['layers']))

    def forward(self, input_ids, attention_mask, token_type_ids):
        pos = torch.arange(input_ids.shape[1]).unsqueeze(0)
        x = self.ln(self.word(input_ids) + self.pos(pos) + self.typ(token_type_ids))
        bias = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        return x


def randomize(model, std):
    # Larger than BERT's 0.02 so that different words give visibly different vectors.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('bias') and p.dim() == 1:
                p.normal_(0, 0.02)
            elif 'ln' in name or 'norm' in name:
                p.normal_(1.0, 0.1)
            else:
                p.normal_(0, std)


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf8') as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write('\n')


BERT_SENTENCES = [
    'A flowing red evening gown with a sleek silhouette.',
    'Casual WHITE t-shirt, café style!',
    'Zzyzx qwop unseenword 1234',
    'dress',
    ' '.join(['soft cotton summer dress with floral print'] * 12),
]


def make_bert(texts, source):
    out = os.path.join(FIXTURES, 'models', 'tiny-bert')
    specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    vocab = build_vocab(texts, specials, [], 400)
    torch.manual_seed(SEED)
    model = TinyBert(len(vocab), BERT).eval()
    randomize(model, 0.2)

    write_json(os.path.join(out, 'tokenizer.json'), tokenizer_json(vocab, '[UNK]', specials, '[CLS]', '[SEP]'))
    write_json(os.path.join(out, 'tokenizer_config.json'), {
        'tokenizer_class': 'BertTokenizer', 'do_lower_case': True, 'model_max_length': BERT['max_pos'],
        'unk_token': '[UNK]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'cls_token': '[CLS]',
        'mask_token': '[MASK]'})
    write_json(os.path.join(out, 'config.json'), {
        'architectures': ['BertModel'], 'model_type': 'bert', 'vocab_size': len(vocab),
        'hidden_size': BERT['hidden'], 'num_hidden_layers': BERT['layers'],
        'num_attention_heads': BERT['heads'], 'intermediate_size': BERT['intermediate'],
        'hidden_act': 'gelu', 'max_position_embeddings': BERT['max_pos'], 'type_vocab_size': BERT['type_vocab'],
        'layer_norm_eps': BERT['eps'], 'pad_token_id': vocab['[PAD]'], 'position_embedding_type': 'absolute'})
    write_json(os.path.join(out, 'modules.json'), [
        {'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
        {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'sentence_transformers.models.Pooling'},
        {'idx': 2, 'name': '2', 'path': '2_Normalize', 'type': 'sentence_transformers.models.Normalize'}])
    write_json(os.path.join(out, '1_Pooling', 'config.json'), {
        'word_embedding_dimension': BERT['hidden'], 'pooling_mode_cls_token': False,
        'pooling_mode_mean_tokens': True, 'pooling_mode_max_tokens': False,
        'pooling_mode_mean_sqrt_len_tokens': False})
    write_json(os.path.join(out, 'sentence_bert_config.json'), {'max_seq_length': BERT['max_pos'], 'do_lower_case': False})

    os.makedirs(os.path.join(out, 'onnx'), exist_ok=True)
    ids = torch.tensor([encode(BERT_SENTENCES[0], vocab, '[UNK]', '[CLS]', '[SEP]', BERT['max_pos'])])
    torch.onnx.export(
        model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), os.path.join(out, 'onnx', 'model.onnx'),
        input_names=['input_ids', 'attention_mask', 'token_type_ids'], output_names=['last_hidden_state'],
        dynamic_axes={n: {0: 'batch', 1: 'sequence'} for n in ['input_ids', 'attention_mask', 'token_type_ids', 'last_hidden_state']},
        opset_version=OPSET, do_constant_folding=True)

    # Each sentence alone (no padding), so the TS runner's padded batches are checked too.
    rows = []
    with torch.no_grad():
        for s in BERT_SENTENCES:
            ids = encode(s, vocab, '[UNK]', '[CLS]', '[SEP]', BERT['max_pos'])
            t = torch.tensor([ids])
            hidden = model(t, torch.ones_like(t), torch.zeros_like(t))[0]
            pooled = hidden.mean(0)
            rows.append({'text': s, 'ids': ids, 'pooled': pooled.tolist(),
                         'normalized': (pooled / pooled.norm()).tolist()})
        # Sanity check in PyTorch itself: padding must not change the pooled vectors.
        width = max(len(r['ids']) for r in rows)
        ids = torch.tensor([r['ids'] + [0] * (width - len(r['ids'])) for r in rows])
        mask = torch.tensor([[1] * len(r['ids']) + [0] * (width - len(r['ids'])) for r in rows])
        hidden = model(ids, mask, torch.zeros_like(ids))
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        assert torch.allclose(pooled, torch.tensor([r['pooled'] for r in rows]), atol=1e-5)
    write_json(os.path.join(out, 'expected.json'), {
        'note': f'made by tools/make_eval_fixtures.py (seed {SEED}, vocab from {source}); '
                'pooled = mean of last_hidden_state over the tokens, normalized = pooled / |pooled|',
        'sentences': rows})
    print(f'tiny-bert: vocab {len(vocab)}, {len(rows)} sentences')


# ------------------------------------------------------------ tiny CLIP ----

CLIP_TEXT = dict(hidden=32, layers=2, heads=4, intermediate=64, max_pos=77, eps=1e-5)
CLIP_VISION = dict(hidden=32, layers=2, heads=4, intermediate=64, image=224, patch=32, eps=1e-5)
PROJECTION = 16
LOGIT_SCALE_INIT = math.log(1 / 0.07)
# The learned value differs from the init on purpose, so a test can tell which one a runner used.
LOGIT_SCALE = 3.1
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class ClipLayer(nn.Module):
    """Pre-LN transformer layer with quick_gelu, as in CLIP."""

    def __init__(self, c):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(c['hidden'], eps=c['eps'])
        self.att = SelfAttention(c['hidden'], c['heads'])
        self.layer_norm2 = nn.LayerNorm(c['hidden'], eps=c['eps'])
        self.fc1 = nn.Linear(c['hidden'], c['intermediate'])
        self.fc2 = nn.Linear(c['intermediate'], c['hidden'])

    def forward(self, x, bias):
        x = x + self.att(self.layer_norm1(x), bias)
        return x + self.fc2(quick_gelu(self.fc1(self.layer_norm2(x))))


class ClipText(nn.Module):
    def __init__(self, vocab_size, eos_id, c):
        super().__init__()
        self.eos_id = eos_id
        self.token = nn.Embedding(vocab_size, c['hidden'])
        self.pos = nn.Embedding(c['max_pos'], c['hidden'])
        self.layers = nn.ModuleList(ClipLayer(c) for _ in range(c['layers']))
        self.final_layer_norm = nn.LayerNorm(c['hidden'], eps=c['eps'])
        self.proj = nn.Linear(c['hidden'], PROJECTION, bias=False)

    def forward(self, input_ids, attention_mask):
        b, s = input_ids.shape
        x = self.token(input_ids) + self.pos(torch.arange(s).unsqueeze(0))
        neg = torch.finfo(torch.float32).min
        causal = torch.triu(torch.full((s, s), neg), diagonal=1)[None, None]
        bias = causal + (1.0 - attention_mask[:, None, None, :].float()) * neg
        bias = bias.clamp(min=neg)
        for layer in self.layers:
            x = layer(x, bias)
        x = self.final_layer_norm(x)
        # The first EOS marks the end of the text (HF CLIP with a real eos_token_id).
        eos_pos = (input_ids == self.eos_id).int().argmax(-1)
        pooled = x[torch.arange(b), eos_pos]
        return self.proj(pooled)


class ClipVision(nn.Module):
    def __init__(self, c):
        super().__init__()
        n = (c['image'] // c['patch']) ** 2 + 1
        self.patch = nn.Conv2d(3, c['hidden'], c['patch'], c['patch'], bias=False)
        self.cls = nn.Parameter(torch.zeros(c['hidden']))
        self.pos = nn.Embedding(n, c['hidden'])
        self.pre_layrnorm = nn.LayerNorm(c['hidden'], eps=c['eps'])
        self.layers = nn.ModuleList(ClipLayer(c) for _ in range(c['layers']))
        self.post_layernorm = nn.LayerNorm(c['hidden'], eps=c['eps'])
        self.proj = nn.Linear(c['hidden'], PROJECTION, bias=False)

    def forward(self, pixel_values):
        b = pixel_values.shape[0]
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(b, 1, -1), x], 1) + self.pos.weight[None]
        x = self.pre_layrnorm(x)
        for layer in self.layers:
            x = layer(x, torch.zeros(1))
        return self.proj(self.post_layernorm(x[:, 0]))


class ClipModel(nn.Module):
    """The combined export: normalised embeds and logits, as HF's CLIPModel returns them."""

    def __init__(self, text, vision):
        super().__init__()
        self.text, self.vision = text, vision
        self.logit_scale = nn.Parameter(torch.tensor(LOGIT_SCALE))

    def forward(self, input_ids, attention_mask, pixel_values):
        t = self.text(input_ids, attention_mask)
        i = self.vision(pixel_values)
        t = t / t.norm(dim=-1, keepdim=True)
        i = i / i.norm(dim=-1, keepdim=True)
        logits_per_text = self.logit_scale.exp() * t @ i.t()
        return logits_per_text.t(), logits_per_text, t, i


def pil_preprocess(path, size=224, crop=224):
    """What CLIPImageProcessor does: RGB, bicubic resize of the shortest edge, centre crop, rescale, normalise."""
    im = Image.open(path).convert('RGB')
    w, h = im.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    im = im.resize((new_w, new_h), resample=Image.BICUBIC)
    arr = np.asarray(im).astype(np.float32)
    top, left = int((new_h - crop) / 2.0), int((new_w - crop) / 2.0)
    arr = arr[top:top + crop, left:left + crop] * np.float32(1 / 255)
    arr = (arr - np.array(CLIP_MEAN, np.float32)) / np.array(CLIP_STD, np.float32)
    return np.ascontiguousarray(arr.transpose(2, 0, 1), dtype=np.float32)


CLIP_TEXTS = [
    'a photo of a red evening gown',
    'Casual white T-shirt with a graphic print!',
    'blue denim jeans, unseenword',
    ' '.join(['a long floral summer dress'] * 20),
]
CLIP_IMAGES = ['image_1.jpg', 'image_2.jpg']


def make_clip(texts, source):
    out = os.path.join(FIXTURES, 'models', 'tiny-clip')
    sot, eot, unk = '<|startoftext|>', '<|endoftext|>', '<|unk|>'
    vocab = build_vocab(texts, [unk], [sot, eot], 300)
    torch.manual_seed(SEED + 1)
    text = ClipText(len(vocab), vocab[eot], CLIP_TEXT)
    vision = ClipVision(CLIP_VISION)
    model = ClipModel(text, vision).eval()
    randomize(model, 0.1)
    with torch.no_grad():
        model.logit_scale.fill_(LOGIT_SCALE)

    write_json(os.path.join(out, 'tokenizer.json'), tokenizer_json(vocab, unk, [unk, sot, eot], sot, eot))
    write_json(os.path.join(out, 'tokenizer_config.json'), {
        'tokenizer_class': 'CLIPTokenizer', 'model_max_length': CLIP_TEXT['max_pos'], 'bos_token': sot,
        'eos_token': eot, 'pad_token': eot, 'unk_token': unk})
    write_json(os.path.join(out, 'config.json'), {
        'architectures': ['CLIPModel'], 'model_type': 'clip', 'projection_dim': PROJECTION,
        'logit_scale_init_value': LOGIT_SCALE_INIT,
        # Not an HF field: the learned logit_scale (log space), so runners need not guess it.
        'logit_scale': LOGIT_SCALE,
        'text_config': {'model_type': 'clip_text_model', 'vocab_size': len(vocab), 'hidden_size': CLIP_TEXT['hidden'],
                        'intermediate_size': CLIP_TEXT['intermediate'], 'num_hidden_layers': CLIP_TEXT['layers'],
                        'num_attention_heads': CLIP_TEXT['heads'], 'max_position_embeddings': CLIP_TEXT['max_pos'],
                        'hidden_act': 'quick_gelu', 'layer_norm_eps': CLIP_TEXT['eps'], 'projection_dim': PROJECTION,
                        'bos_token_id': vocab[sot], 'eos_token_id': vocab[eot], 'pad_token_id': vocab[eot]},
        'vision_config': {'model_type': 'clip_vision_model', 'hidden_size': CLIP_VISION['hidden'],
                          'intermediate_size': CLIP_VISION['intermediate'], 'num_hidden_layers': CLIP_VISION['layers'],
                          'num_attention_heads': CLIP_VISION['heads'], 'image_size': CLIP_VISION['image'],
                          'patch_size': CLIP_VISION['patch'], 'num_channels': 3, 'hidden_act': 'quick_gelu',
                          'layer_norm_eps': CLIP_VISION['eps'], 'projection_dim': PROJECTION}})
    write_json(os.path.join(out, 'preprocessor_config.json'), {
        'image_processor_type': 'CLIPImageProcessor', 'do_resize': True, 'size': {'shortest_edge': 224},
        'resample': 3, 'do_center_crop': True, 'crop_size': {'height': 224, 'width': 224}, 'do_rescale': True,
        'rescale_factor': 1 / 255, 'do_normalize': True, 'image_mean': CLIP_MEAN, 'image_std': CLIP_STD,
        'do_convert_rgb': True})

    onnx_dir = os.path.join(out, 'onnx')
    os.makedirs(onnx_dir, exist_ok=True)
    max_len = CLIP_TEXT['max_pos']
    ids = torch.tensor([encode(CLIP_TEXTS[0], vocab, unk, sot, eot, max_len)])
    pix = torch.zeros(1, 3, 224, 224)
    seq_axes = {0: 'batch', 1: 'sequence'}
    torch.onnx.export(text, (ids, torch.ones_like(ids)), os.path.join(onnx_dir, 'text_model.onnx'),
                      input_names=['input_ids', 'attention_mask'], output_names=['text_embeds'],
                      dynamic_axes={'input_ids': seq_axes, 'attention_mask': seq_axes, 'text_embeds': {0: 'batch'}},
                      opset_version=OPSET)
    torch.onnx.export(vision, (pix,), os.path.join(onnx_dir, 'vision_model.onnx'),
                      input_names=['pixel_values'], output_names=['image_embeds'],
                      dynamic_axes={'pixel_values': {0: 'batch'}, 'image_embeds': {0: 'batch'}}, opset_version=OPSET)
    torch.onnx.export(model, (ids, torch.ones_like(ids), pix), os.path.join(onnx_dir, 'model.onnx'),
                      input_names=['input_ids', 'attention_mask', 'pixel_values'],
                      output_names=['logits_per_image', 'logits_per_text', 'text_embeds', 'image_embeds'],
                      dynamic_axes={'input_ids': seq_axes, 'attention_mask': seq_axes, 'pixel_values': {0: 'batch'},
                                    'logits_per_image': {0: 'images', 1: 'texts'},
                                    'logits_per_text': {0: 'texts', 1: 'images'},
                                    'text_embeds': {0: 'texts'}, 'image_embeds': {0: 'images'}},
                      opset_version=OPSET)

    pixel_dir = os.path.join(FIXTURES, 'images', 'pil')
    os.makedirs(pixel_dir, exist_ok=True)
    images = []
    with torch.no_grad():
        for name in CLIP_IMAGES:
            arr = pil_preprocess(os.path.join(CHAPTER4, 'img', name))
            pixel_file = os.path.splitext(name)[0] + '.f32'
            arr.astype('<f4').tofile(os.path.join(pixel_dir, pixel_file))
            emb = vision(torch.from_numpy(arr)[None])[0]
            images.append({'image': 'img/' + name, 'pixels': 'images/pil/' + pixel_file, 'shape': list(arr.shape),
                           'image_embeds': emb.tolist()})
        rows = []
        for s in CLIP_TEXTS:
            t = torch.tensor([encode(s, vocab, unk, sot, eot, max_len)])
            rows.append({'text': s, 'ids': t[0].tolist(), 'text_embeds': text(t, torch.ones_like(t))[0].tolist()})
        ti = torch.tensor([r['text_embeds'] for r in rows])
        im = torch.tensor([i['image_embeds'] for i in images])
        cos = (ti / ti.norm(dim=-1, keepdim=True)) @ (im / im.norm(dim=-1, keepdim=True)).t()
    write_json(os.path.join(out, 'expected.json'), {
        'note': f'made by tools/make_eval_fixtures.py (seed {SEED + 1}, vocab from {source}); images are '
                'chapter-4 files under ../shared/datasets/stylesprint-chapter4, preprocessed with PIL like '
                'CLIPImageProcessor; embeds are unnormalised projections',
        'logit_scale': LOGIT_SCALE,
        'texts': rows,
        'images': images,
        'cosine_text_image': cos.tolist()})
    print(f'tiny-clip: vocab {len(vocab)}, {len(rows)} texts, {len(images)} images')


def main():
    texts, source = corpus_texts()
    make_bert(texts, source)
    make_clip(texts, source)


if __name__ == '__main__':
    main()
