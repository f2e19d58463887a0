#!/usr/bin/python3
"""Renders the committed chat templates with Python's jinja2, the way
transformers' apply_chat_template does, so that the gateway's renderer
(providers/onnx/chat-template.ts) can be compared with it byte for byte.

Run from the repository root with Debian's Python (python3-jinja2):

    /usr/bin/python3 tools/make_chat_template_fixtures.py

Reads   test/fixtures/chat-templates/<name>.jinja and tokens.json
Writes  test/fixtures/chat-templates/expected.json: for every template and
        case, the messages, the fixed date and the rendered prompt.

The environment mirrors transformers' (src/transformers/utils/chat_template_utils.py):
a sandboxed environment with trim_blocks and lstrip_blocks, `tojson` that
does not escape HTML, `raise_exception` and `strftime_now` as globals, the
tokenizer's special token strings as variables and add_generation_prompt.
The products below are made up for the test.
"""
import json
import os
from datetime import datetime

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.join('test', 'fixtures', 'chat-templates')

# One date for both renderers: Llama 3.x templates print today's date.
FIXED_DATE = datetime(2025, 3, 7, 9, 30, 0)

SYSTEM = ('You write for a fashion store. Be warm, concrete and inclusive; '
          'describe materials, fit and occasions; no hype.')
USER = ('Write a creative product description for the following product: Linen Wrap Dress.\n'
        'Category: dresses\n'
        'Attributes: summer, wrap, midi\n'
        'Colours: sage green\n'
        'Materials: linen\n'
        'Length: about 40 words.\n'
        'Tone: "playful"\n'
        'Description:')

CASES = {
    'system-and-user': [
        {'role': 'system', 'content': SYSTEM},
        {'role': 'user', 'content': USER},
    ],
    'user-only': [
        {'role': 'user', 'content': 'Describe a wool scarf in one sentence.'},
    ],
    # Llama trims each message; Qwen keeps the spaces: the renderers must agree on both.
    'padded-and-quoted': [
        {'role': 'system', 'content': '  Keep it short.  \n'},
        {'role': 'user', 'content': 'Title: "Rain Jacket" <b>waterproof</b> & {light}\n\n'},
    ],
}


def raise_exception(message):
    raise TemplateError(message)


def tojson(value, indent=None):
    return json.dumps(value, ensure_ascii=False, indent=indent)


def strftime_now(fmt):
    return FIXED_DATE.strftime(fmt)


def main():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters['tojson'] = tojson
    env.globals['raise_exception'] = raise_exception
    env.globals['strftime_now'] = strftime_now
    with open(os.path.join(HERE, 'tokens.json'), encoding='utf-8') as f:
        tokens = json.load(f)
    out = []
    for name in sorted(tokens):
        with open(os.path.join(HERE, name + '.jinja'), encoding='utf-8', newline='') as f:
            template = env.from_string(f.read())
        for case in sorted(CASES):
            rendered = template.render(messages=CASES[case], add_generation_prompt=True, **tokens[name])
            out.append({'template': name, 'case': case, 'date': FIXED_DATE.isoformat(),
                        'specialTokens': tokens[name], 'messages': CASES[case], 'rendered': rendered})
    with open(os.path.join(HERE, 'expected.json'), 'w', encoding='utf-8', newline='\n') as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write('\n')
    print(f'wrote {len(out)} renderings to {HERE}/expected.json')


if __name__ == '__main__':
    main()
