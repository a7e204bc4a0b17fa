"""mkdocs hooks: docstring examples (`>>>` lines) shown as Python code in the API reference.

Receives the mkdocs configuration.  Guarantees that every Markdown text mkdocs and
mkdocstrings render (pages and docstrings) has each doctest example outside a fenced
block, a run of non-blank lines whose first starts with `>>>`, wrapped in a ```pycon
fence; without it, Markdown reads `>>>` as three nested quotations.
"""

import re

from markdown import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_PROMPT = re.compile(r"^(\s*)>>>( |$)")


class DoctestBlocks(Preprocessor):
    """Fences each doctest example outside an existing fenced block."""

    def run(self, lines):
        out, fence, k = [], None, 0
        while k < len(lines):
            line = lines[k]
            opened = _FENCE.match(line)
            if fence is not None:
                if opened and opened.group(1)[0] == fence[0] and \
                        len(opened.group(1)) >= len(fence) and not line.strip(fence[0] + " \t"):
                    fence = None
                out.append(line)
                k += 1
                continue
            if opened:
                fence = opened.group(1)
                out.append(line)
                k += 1
                continue
            prompt = _PROMPT.match(line)
            if not prompt:
                out.append(line)
                k += 1
                continue
            indent = len(prompt.group(1))
            example = []
            while k < len(lines) and lines[k].strip():
                example.append(lines[k][indent:] if lines[k][:indent].isspace() else lines[k].lstrip())
                k += 1
            out.extend(["", "```pycon", *example, "```", ""])
        return out


class DoctestBlocksExtension(Extension):
    def extendMarkdown(self, md):
        # before fenced_code (priority 25), so that it fences what this adds
        md.preprocessors.register(DoctestBlocks(md), "doctest_blocks", 30)


@event_priority(100)                    # before mkdocstrings reads the extensions
def on_config(config):
    config.markdown_extensions.append(DoctestBlocksExtension())
    return config
