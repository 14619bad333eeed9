/* "Listen": reads a chapter's three-level overview aloud with the browser's own speech
 * synthesis (the Web Speech API: no audio file, no network). The control appears above
 * every sphinx-design tab set whose first tab is "In short", and only where the browser
 * has a voice. It reads the tab that is open; pressing it again stops.
 */
(function () {
  "use strict";

  function speakableText(node) {
    var copy = node.cloneNode(true);
    // A formula is read from MathJax's hidden MathML copy, not from its glyphs.
    copy.querySelectorAll("mjx-container").forEach(function (math) {
      var mml = math.querySelector("mjx-assistive-mml");
      math.replaceWith(document.createTextNode(" " + (mml ? mml.textContent : math.getAttribute("aria-label") || "") + " "));
    });
    copy.querySelectorAll(".headerlink, script, style").forEach(function (extra) { extra.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function overviews() {
    return Array.prototype.filter.call(document.querySelectorAll(".sd-tab-set"), function (set) {
      var first = set.querySelector(".sd-tab-label");
      return first && first.textContent.trim() === "In short";
    });
  }

  /* The open tab of a tab set: its label and its content. */
  function openTab(set) {
    var inputs = set.querySelectorAll(":scope > input");
    var labels = set.querySelectorAll(":scope > .sd-tab-label");
    var contents = set.querySelectorAll(":scope > .sd-tab-content");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].checked) return { label: labels[i], content: contents[i] };
    }
    return { label: labels[0], content: contents[0] };
  }

  function addControl(set, synth) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "mls-listen";
    button.setAttribute("aria-pressed", "false");
    var idle = "\u25B6 Listen to the overview";
    button.textContent = idle;

    function reset() {
      button.setAttribute("aria-pressed", "false");
      button.textContent = idle;
    }

    button.addEventListener("click", function () {
      if (button.getAttribute("aria-pressed") === "true") {
        synth.cancel();
        reset();
        return;
      }
      var tab = openTab(set);
      var text = speakableText(tab.label) + ". " + speakableText(tab.content);
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = document.documentElement.lang || "en";
      utterance.onend = reset;
      utterance.onerror = reset;
      synth.cancel();
      button.setAttribute("aria-pressed", "true");
      button.setAttribute("data-reading", speakableText(tab.label));
      button.textContent = "\u25A0 Stop reading";
      synth.speak(utterance);
    });
    set.parentNode.insertBefore(button, set);
  }

  function setup() {
    var synth = window.speechSynthesis;
    if (!synth || typeof window.SpeechSynthesisUtterance !== "function") return;
    var sets = overviews();
    if (!sets.length) return;
    var mounted = false;
    function mount() {
      if (mounted || !synth.getVoices().length) return;  // no voice: no control
      mounted = true;
      sets.forEach(function (set) { addControl(set, synth); });
    }
    mount();
    if (typeof synth.addEventListener === "function") synth.addEventListener("voiceschanged", mount);
    // Leaving the page stops the reading.
    window.addEventListener("pagehide", function () { synth.cancel(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
