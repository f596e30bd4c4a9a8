"""Reading the toolkit's content files (toolkit/content/, format in its README.md)."""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONTENT_DIR = Path(__file__).resolve().parent / "content"

TOOL_SECTIONS = ("context", "problem", "forces", "solution", "steps", "resources")
CASE_STUDY_SECTIONS = ("story", "lessons")


class ContentError(ValueError):
    """A content file that does not follow the format; the message names the file."""


@dataclass
class Document:
    path: Path
    meta: dict
    sections: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.path.stem


def read_document(path: Path, sections: tuple[str, ...]) -> Document:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n?(.*)$", text, re.DOTALL)
    if not match:
        raise ContentError(f"{path.name}: no front matter between --- lines")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: front matter is not valid YAML ({exc})") from None
    found: dict[str, list[str]] = {}
    current = None
    for line in match.group(2).splitlines():
        heading = re.match(r"^##\s+(.+?)\s*$", line)
        if heading:
            current = heading.group(1).strip().lower()
            if current not in sections:
                raise ContentError(f"{path.name}: unexpected section '## {heading.group(1)}'")
            found[current] = []
        elif current is not None:
            found[current].append(line)
    return Document(
        path=path,
        meta=meta,
        sections={name: "\n".join(lines).strip() for name, lines in found.items()},
    )


def tool_documents() -> list[Document]:
    return [
        read_document(path, TOOL_SECTIONS) for path in sorted((CONTENT_DIR / "tools").glob("*.md"))
    ]


def case_study_documents() -> list[Document]:
    return [
        read_document(path, CASE_STUDY_SECTIONS)
        for path in sorted((CONTENT_DIR / "case-studies").glob("*.md"))
    ]


def plan_documents() -> list[Document]:
    return [read_document(path, ()) for path in sorted((CONTENT_DIR / "plans").glob("*.md"))]


def read_yaml(name: str) -> list[dict]:
    path = CONTENT_DIR / name
    if not path.exists():
        return []
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []
