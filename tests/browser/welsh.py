"""What a Welsh page must not show: any visible text that is an English string of the
catalogue whose Welsh is missing (its msgstr empty or fuzzy). Proper names and words the same
in both languages are allowed."""

from __future__ import annotations

from tests.i18n.catalogue import untranslated_msgids

# Names, codes and words that read the same in Welsh.
ALLOWED = {
    "English",
    "Cymraeg",
    "Education Union",
    "PDF",
    "CPD",
    "OK",
}

VISIBLE_TEXT_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    if (!text) continue;
    const el = node.parentElement;
    if (!el || el.closest("script, style, noscript, [lang^='en']")) continue;
    const seen = {checkOpacity: true, checkVisibilityCSS: true};
    if (el.checkVisibility && !el.checkVisibility(seen)) continue;
    out.push(text);
  }
  return out;
}"""


def visible_texts(actor) -> list[str]:
    """The visible text of the page; on a phone, the links behind the closed menu button
    too (the menu is opened with a tap, read, and closed again), as a person sees them."""
    texts = actor.page.evaluate(VISIBLE_TEXT_JS)
    toggle = actor.page.locator("[data-menu-toggle]")
    if toggle.count() and toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        texts += actor.page.evaluate(VISIBLE_TEXT_JS)
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "false"
    return texts


def english_left(actor) -> list[str]:
    """The visible text nodes of the page now open that are untranslated English msgids."""
    wanted = {" ".join(m.split()): m for m in untranslated_msgids()}
    texts = visible_texts(actor)
    return sorted({t for t in texts if t in wanted and t not in ALLOWED})


def assert_all_welsh(actor, name: str) -> None:
    left = english_left(actor)
    assert not left, f"{name} ({actor.path}): English left untranslated: {left[:15]}"
    assert actor.page.get_attribute("html", "lang") == "cy", f"{name}: <html lang> not cy"
