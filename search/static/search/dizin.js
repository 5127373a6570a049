// Keys on the search page: "/" to the search box, j/k or arrows through the results.
(() => {
  "use strict";
  const box = document.getElementById("q");
  const results = () => Array.from(document.querySelectorAll("a.open"));
  const typing = (element) =>
    element instanceof Element && element.closest("input, textarea, select, [contenteditable]");

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/" && !typing(event.target) && box) {
      event.preventDefault();
      box.focus();
      box.select();
      return;
    }
    const down = event.key === "j" || event.key === "ArrowDown";
    const up = event.key === "k" || event.key === "ArrowUp";
    if (!down && !up) return;
    // In the box only ↓ leaves it, for the first result; letters are typed.
    if (typing(event.target) && !(event.target === box && event.key === "ArrowDown")) return;
    const links = results();
    if (!links.length) return;
    const at = links.indexOf(document.activeElement);
    event.preventDefault();
    if (up && at === 0) {
      if (box) box.focus();
      return;
    }
    const step = down ? 1 : -1;
    const to = at < 0 ? (down ? 0 : links.length - 1) : Math.min(links.length - 1, at + step);
    links[to].focus();
    links[to].closest("li").scrollIntoView({ block: "nearest" });
  });
})();
