/* Study modes of the course's flashcards: Cards, Learn, Test, Match and Review.
 *
 * The page (or notebook output) holds the cards as a list, `ol.mls-cards`, inside each
 * `div.mlcourse-study`; whatever typesets the page's math typesets them there, and
 * this script builds every mode from copies of those typeset nodes. Nothing is
 * fetched. Review schedules cards with FSRS (the vendored ts-fsrs, global `FSRS`);
 * progress lives in localStorage under "mlcourse-study", shared by the chapter pages
 * and the study page. mlcourse/study/__init__.py documents the deck format, the
 * mapping of confidence ratings onto FSRS and the DOM the browser tests rely on.
 */
(function (root) {
  "use strict";

  // ---------------------------------------------------------------- settings
  var STORAGE_KEY = "mlcourse-study";
  var STORAGE_VERSION = 1;
  // Confidence 1-5 ("How well did you know this?") -> FSRS Again=1, Hard=2, Good=3, Easy=4.
  var CONFIDENCE_TO_RATING = { 1: 1, 2: 1, 3: 2, 4: 3, 5: 4 };
  var CONFIDENCE_LABELS = { 1: "Not at all", 2: "Barely", 3: "Somewhat", 4: "Well", 5: "Perfectly" };
  var MASTERED_STABILITY_DAYS = 7;
  var FSRS_SETTINGS = {
    request_retention: 0.9,
    maximum_interval: 36500,
    enable_fuzz: false,
    enable_short_term: true,
    learning_steps: ["1m", "10m"],
    relearning_steps: ["10m"]
  };
  var NEW_PER_SESSION = 10;   // new cards a Review session introduces
  var LEARN_SESSION = 20;     // cards in one Learn session
  var LEARN_MISS_GAP = 2;     // a missed card comes back after this many others
  var LEARN_HIT_GAP = 5;      // a card answered right once comes back after this many
  var LEARN_STREAK = 2;       // right answers in a row that make a card learned
  var TEST_SIZE = 10;
  var MATCH_PAIRS = 6;
  var MATCH_PENALTY_S = 1;
  var STATE_REVIEW = 2;       // FSRS State: New 0, Learning 1, Review 2, Relearning 3

  // ------------------------------------------------------- scheduling (no DOM)
  var fsrsInstance = null;

  function fsrsLibrary() {
    return root.FSRS && typeof root.FSRS.fsrs === "function" ? root.FSRS : null;
  }

  function scheduler() {
    if (!fsrsInstance) {
      var F = fsrsLibrary();
      fsrsInstance = F.fsrs(F.generatorParameters(FSRS_SETTINGS));
    }
    return fsrsInstance;
  }

  function toCard(saved) {
    return {
      due: new Date(saved.due), stability: saved.stability, difficulty: saved.difficulty,
      elapsed_days: saved.elapsed_days, scheduled_days: saved.scheduled_days,
      learning_steps: saved.learning_steps, reps: saved.reps, lapses: saved.lapses,
      state: saved.state, last_review: saved.last_review ? new Date(saved.last_review) : undefined
    };
  }

  function fromCard(card) {
    return {
      due: card.due.toISOString(), stability: card.stability, difficulty: card.difficulty,
      elapsed_days: card.elapsed_days, scheduled_days: card.scheduled_days,
      learning_steps: card.learning_steps, reps: card.reps, lapses: card.lapses,
      state: card.state, last_review: card.last_review ? card.last_review.toISOString() : null
    };
  }

  function checkConfidence(confidence) {
    if (!CONFIDENCE_TO_RATING[confidence]) {
      throw new RangeError("invalid confidence = " + confidence + ", expected 1, 2, 3, 4 or 5");
    }
  }

  /* The saved state of a card after a review with `confidence` at `now` (a Date). */
  function review(saved, confidence, now) {
    checkConfidence(confidence);
    var card = saved ? toCard(saved) : fsrsLibrary().createEmptyCard(now);
    return fromCard(scheduler().next(card, now, CONFIDENCE_TO_RATING[confidence]).card);
  }

  /* When the card would be due after each confidence rating: {1: Date, ..., 5: Date}. */
  function preview(saved, now) {
    var outcome = {};
    for (var confidence = 1; confidence <= 5; confidence++) {
      outcome[confidence] = new Date(review(saved, confidence, now).due);
    }
    return outcome;
  }

  /* Due dates (ISO strings) after each review of a history [{confidence, at}, ...]. */
  function simulate(history) {
    var saved = null;
    return history.map(function (step) {
      saved = review(saved, step.confidence, new Date(step.at));
      return saved.due;
    });
  }

  function isMastered(saved) {
    return !!saved && saved.state === STATE_REVIEW && saved.stability >= MASTERED_STABILITY_DAYS;
  }

  function isDue(saved, now) {
    return !!saved && new Date(saved.due).getTime() <= now.getTime();
  }

  // ------------------------------------------------------------------ storage
  var storageWorks = true;

  function emptyStore() {
    return { version: STORAGE_VERSION, cards: {}, tests: {}, match: {} };
  }

  function loadStore() {
    try {
      var raw = root.localStorage.getItem(STORAGE_KEY);
      if (raw) {
        var data = JSON.parse(raw);
        if (data && data.version === STORAGE_VERSION) {
          data.cards = data.cards || {};
          data.tests = data.tests || {};
          data.match = data.match || {};
          return data;
        }
      }
    } catch (error) {
      storageWorks = false;
    }
    return emptyStore();
  }

  /* Read, change and write back, so that two components never undo each other's work. */
  function updateStore(change) {
    var data = loadStore();
    change(data);
    try {
      root.localStorage.setItem(STORAGE_KEY, JSON.stringify(data));
    } catch (error) {
      storageWorks = false;
    }
    return data;
  }

  // ------------------------------------------------------------------ helpers
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      var value = attributes[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  /* A copy of a card's typeset field, without the "Q3." label of the plain list. */
  function copy(node) {
    var clone = node.cloneNode(true);
    clone.querySelectorAll(".mls-label").forEach(function (label) { label.remove(); });
    clone.removeAttribute("class");
    clone.className = "mls-copy";
    return clone;
  }

  function shuffled(items, random) {
    var result = items.slice();
    for (var i = result.length - 1; i > 0; i--) {
      var j = Math.floor(random() * (i + 1));
      var swap = result[i];
      result[i] = result[j];
      result[j] = swap;
    }
    return result;
  }

  function typeset(node) {
    // The site's MathJax is global; JupyterLab's is not, and its outputs are typeset
    // when shown, which is why the modes copy typeset nodes instead of raw TeX.
    var MJ = root.MathJax;
    if (!MJ || !MJ.startup || !MJ.startup.promise || typeof MJ.typesetPromise !== "function") return;
    MJ.startup.promise.then(function () {
      return MJ.typesetPromise([node]);
    }).catch(function () { /* leave the TeX as text */ });
  }

  function describeDelay(milliseconds) {
    var minutes = Math.max(0, milliseconds) / 60000;
    if (minutes < 1) return "less than a minute";
    if (minutes < 60) return Math.round(minutes) + " min";
    var hours = minutes / 60;
    if (hours < 24) return Math.round(hours) + " h";
    var days = hours / 24;
    if (days < 31) return Math.round(days) + (Math.round(days) === 1 ? " day" : " days");
    if (days < 365) return Math.round(days / 30.4) + " months";
    return (days / 365).toFixed(1) + " years";
  }

  function normalizeAnswer(text) {
    return String(text).normalize("NFKC").toLowerCase()
      .replace(/[\u2212\u2013\u2014]/g, "-")
      .replace(/[\s'"`’“”()\[\]{}.,;:!?_-]+/g, function (match) {
        return /\./.test(match) && match.length === 1 ? "." : "";
      })
      .replace(/\.$/, "");
  }

  function editDistance(a, b) {
    var previous = [];
    for (var j = 0; j <= b.length; j++) previous.push(j);
    for (var i = 1; i <= a.length; i++) {
      var current = [i];
      for (var k = 1; k <= b.length; k++) {
        current.push(Math.min(previous[k] + 1, current[k - 1] + 1,
          previous[k - 1] + (a[i - 1] === b[k - 1] ? 0 : 1)));
      }
      previous = current;
    }
    return previous[b.length];
  }

  /* Is a typed answer one of the accepted ones? Numbers within the last written digit;
   * words ignoring case, spaces and punctuation, with one typo allowed in longer ones. */
  function answerMatches(typed, accepted) {
    var given = String(typed).trim();
    if (!given) return false;
    return accepted.some(function (answer) {
      var number = Number(answer.replace(",", "."));
      var givenNumber = Number(given.replace(",", "."));
      if (answer.trim() !== "" && isFinite(number) && isFinite(givenNumber) && /^[-+0-9.,eE]+$/.test(given)) {
        var decimals = (answer.split(/[.,]/)[1] || "").length;
        return Math.abs(number - givenNumber) <= 0.5 * Math.pow(10, -decimals) + 1e-12;
      }
      var a = normalizeAnswer(answer);
      var b = normalizeAnswer(given);
      if (a === b) return true;
      return a.length >= 5 && editDistance(a, b) <= 1;
    });
  }

  // ----------------------------------------------------------------- the app
  function parseCard(item) {
    return {
      id: item.getAttribute("data-id"),
      deck: item.getAttribute("data-deck"),
      topic: item.getAttribute("data-topic"),
      front: item.querySelector(".mls-front"),
      back: item.querySelector(".mls-back"),
      short: item.querySelector(".mls-short"),
      term: item.getAttribute("data-term"),
      definition: item.querySelector(".mls-definition"),
      answers: JSON.parse(item.getAttribute("data-answers") || "[]"),
      aliases: JSON.parse(item.getAttribute("data-aliases") || "[]")
    };
  }

  function Study(container) {
    this.el = container;
    this.scope = container.getAttribute("data-scope");
    this.decks = JSON.parse(container.getAttribute("data-decks") || "[]");
    this.list = container.querySelector(".mls-cards");
    this.cards = Array.prototype.map.call(container.querySelectorAll(".mls-card"), parseCard);
    this.selected = {};
    var self = this;
    this.decks.forEach(function (deck) { self.selected[deck.name] = true; });
    this.panel = container.querySelector(".mls-panel");
    this.tabs = Array.prototype.slice.call(container.querySelectorAll(".mls-tab"));
    this.stats = container.querySelector(".mls-stats");
    this.random = Math.random;
    this.timers = [];
    this.keyHandler = null;
    this.newSeen = 0;
  }

  Study.prototype.now = function () {
    return new Date(Date.now());
  };

  Study.prototype.pool = function () {
    var selected = this.selected;
    return this.cards.filter(function (card) { return selected[card.deck]; });
  };

  Study.prototype.start = function () {
    var self = this;
    this.list.classList.add("mls-source");
    this.list.setAttribute("aria-hidden", "true");
    this.el.querySelector(".mls-tabs").hidden = false;
    this.panel.hidden = false;
    this.el.querySelector(".mls-reset").hidden = false;
    this.tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () { self.show(tab.getAttribute("data-mode")); });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = self.tabs[(index + 1) % self.tabs.length];
        else if (event.key === "ArrowLeft") next = self.tabs[(index - 1 + self.tabs.length) % self.tabs.length];
        else if (event.key === "Home") next = self.tabs[0];
        else if (event.key === "End") next = self.tabs[self.tabs.length - 1];
        if (next) {
          event.preventDefault();
          self.show(next.getAttribute("data-mode"));
          next.focus();  // the modes focus their first control; arrow keys keep it on the tabs
        }
      });
    });
    this.el.addEventListener("keydown", function (event) {
      // Keys pressed in the component belong to it (JupyterLab would otherwise take
      // them as notebook shortcuts: "1" turns a cell into Markdown, "a" adds a cell).
      event.stopPropagation();
      var target = event.target;
      if (target.closest && target.closest("input, textarea, select, .mls-tab")) return;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      if (self.keyHandler && self.keyHandler(event) === true) event.preventDefault();
    });
    this.setupReset();
    if (this.decks.length > 1) this.buildOverview();
    this.refreshStats();
    this.show("cards", true);
    this.el.setAttribute("data-ready", "true");
  };

  Study.prototype.clearTimers = function () {
    this.timers.forEach(function (timer) { clearInterval(timer); clearTimeout(timer); });
    this.timers = [];
  };

  Study.prototype.show = function (mode, initial) {
    this.clearTimers();
    this.keyHandler = null;
    this.mode = mode;
    this.tabs.forEach(function (tab) {
      var active = tab.getAttribute("data-mode") === mode;
      tab.setAttribute("aria-selected", active ? "true" : "false");
      tab.tabIndex = active ? 0 : -1;
    });
    this.panel.setAttribute("aria-labelledby", this.el.id + "-tab-" + mode);
    this.panel.setAttribute("data-mode", mode);
    this.panel.textContent = "";
    if (this.pool().length === 0) {
      this.panel.appendChild(el("p", { className: "mls-message", text: "Choose at least one chapter above." }));
      return;
    }
    this["show_" + mode]();
    if (!initial) typeset(this.panel);
  };

  Study.prototype.replace = function (children) {
    this.panel.textContent = "";
    var panel = this.panel;
    children.forEach(function (child) { if (child) panel.appendChild(child); });
    typeset(panel);
  };

  // ----------------------------------------------------- progress and stats
  Study.prototype.counts = function (cards) {
    var store = loadStore();
    var now = this.now();
    var result = { total: cards.length, seen: 0, mastered: 0, due: 0 };
    cards.forEach(function (card) {
      var saved = store.cards[card.id];
      if (!saved) return;
      result.seen += 1;
      if (isMastered(saved)) result.mastered += 1;
      if (isDue(saved, now)) result.due += 1;
    });
    return result;
  };

  Study.prototype.refreshStats = function () {
    var counts = this.counts(this.cards);
    this.stats.setAttribute("data-seen", counts.seen);
    this.stats.setAttribute("data-mastered", counts.mastered);
    this.stats.setAttribute("data-due", counts.due);
    this.stats.textContent = "Mastered " + counts.mastered + " of " + counts.total + " · " +
      counts.seen + " reviewed · " + counts.due + " due now" +
      (storageWorks ? "" : " · progress cannot be saved in this browser (storage is off)");
    if (this.overview) this.fillOverview();
  };

  Study.prototype.buildOverview = function () {
    var self = this;
    var table = el("table", { className: "mls-progress" }, [
      el("caption", { text: "Your progress by chapter (saved in this browser)" }),
      el("thead", {}, [el("tr", {}, [
        el("th", { scope: "col", text: "Study" }), el("th", { scope: "col", text: "Chapter" }),
        el("th", { scope: "col", text: "Cards" }), el("th", { scope: "col", text: "Reviewed" }),
        el("th", { scope: "col", text: "Mastered" }), el("th", { scope: "col", text: "Due" })
      ])])
    ]);
    var body = el("tbody");
    this.decks.forEach(function (deck) {
      var box = el("input", { type: "checkbox", className: "mls-deck-filter", value: deck.name,
        "aria-label": "Study chapter " + deck.number, checked: true });
      box.checked = true;
      box.addEventListener("change", function () {
        self.selected[deck.name] = box.checked;
        self.show(self.mode);
      });
      var name = deck.href ? el("a", { href: deck.href, text: deck.title }) : el("span", { text: deck.title });
      body.appendChild(el("tr", { "data-deck": deck.name }, [
        el("td", {}, [box]), el("td", {}, [deck.number + ". ", name]),
        el("td", { className: "mls-n", text: String(deck.cards) }),
        el("td", { className: "mls-n mls-seen" }), el("td", { className: "mls-n mls-mastered" }),
        el("td", { className: "mls-n mls-due" })
      ]));
    });
    table.appendChild(body);
    this.overview = el("div", { className: "mls-overview" }, [table]);
    this.el.querySelector(".mls-header").appendChild(this.overview);
  };

  Study.prototype.fillOverview = function () {
    var self = this;
    this.decks.forEach(function (deck) {
      var counts = self.counts(self.cards.filter(function (card) { return card.deck === deck.name; }));
      var row = self.overview.querySelector('tr[data-deck="' + deck.name + '"]');
      row.querySelector(".mls-seen").textContent = counts.seen;
      row.querySelector(".mls-mastered").textContent = counts.mastered;
      row.querySelector(".mls-due").textContent = counts.due;
    });
  };

  Study.prototype.setupReset = function () {
    var self = this;
    var holder = this.el.querySelector(".mls-reset");
    var button = holder.querySelector(".mls-reset-button");
    var whole = this.decks.length > 1;
    button.textContent = whole ? "Reset my progress on all chapters" : "Reset my progress on this chapter";
    button.addEventListener("click", function () {
      button.hidden = true;
      var confirm = el("button", { type: "button", className: "mls-button mls-danger mls-reset-confirm",
        text: "Yes, forget my reviews, scores and times" });
      var cancel = el("button", { type: "button", className: "mls-button mls-reset-cancel", text: "Cancel" });
      var ask = el("span", { className: "mls-reset-ask" }, ["Reset? ", confirm, " ", cancel]);
      holder.appendChild(ask);
      confirm.focus();
      confirm.addEventListener("click", function () {
        var ids = self.cards.map(function (card) { return card.id; });
        updateStore(function (data) {
          ids.forEach(function (id) { delete data.cards[id]; });
          self.decks.forEach(function (deck) { delete data.tests[deck.name]; delete data.match[deck.name]; });
          delete data.tests[self.scope];
          delete data.match[self.scope];
        });
        ask.remove();
        button.hidden = false;
        button.focus();
        self.newSeen = 0;
        self.refreshStats();
        self.show(self.mode);
      });
      cancel.addEventListener("click", function () {
        ask.remove();
        button.hidden = false;
        button.focus();
      });
    });
  };

  Study.prototype.topicTag = function (card) {
    var deck = this.decks.length > 1 ? card.deck.slice(0, 2).replace(/^0/, "") + " · " : "";
    return el("span", { className: "mls-topic", text: deck + card.topic });
  };

  // ------------------------------------------------------------- Cards mode
  Study.prototype.show_cards = function () {
    var self = this;
    var order = this.pool();
    var position = 0;
    var flipped = false;
    var holder = el("div", { className: "mls-stage" });
    var counter = el("p", { className: "mls-position", "aria-live": "polite" });

    function turn() {
      flipped = !flipped;
      var card = holder.querySelector(".mls-flashcard");
      card.classList.toggle("is-flipped", flipped);
      card.setAttribute("aria-pressed", flipped ? "true" : "false");
      card.querySelector(".mls-face-front").setAttribute("aria-hidden", flipped ? "true" : "false");
      card.querySelector(".mls-face-back").setAttribute("aria-hidden", flipped ? "false" : "true");
    }

    function draw(focus) {
      var card = order[position];
      flipped = false;
      var face = el("div", {
        className: "mls-flashcard", role: "button", tabindex: "0", "aria-pressed": "false", "data-id": card.id,
        "aria-label": "Card " + (position + 1) + " of " + order.length + ". Space or Enter turns it over."
      }, [el("div", { className: "mls-inner" }, [
        el("div", { className: "mls-face mls-face-front", "aria-hidden": "false" }, [self.topicTag(card), copy(card.front)]),
        el("div", { className: "mls-face mls-face-back", "aria-hidden": "true" }, [copy(card.back)])
      ])]);
      face.addEventListener("click", function (event) {
        if (event.target.closest("a")) return;
        turn();
      });
      holder.textContent = "";
      holder.appendChild(face);
      counter.textContent = "Card " + (position + 1) + " of " + order.length;
      typeset(holder);
      if (focus) face.focus();
    }

    function move(step) {
      position = (position + step + order.length) % order.length;
      draw(true);
    }

    var controls = el("div", { className: "mls-controls" }, [
      el("button", { type: "button", className: "mls-button mls-prev", text: "← Previous" }),
      el("button", { type: "button", className: "mls-button mls-primary mls-flip", text: "Turn over" }),
      el("button", { type: "button", className: "mls-button mls-next", text: "Next →" }),
      el("button", { type: "button", className: "mls-button mls-shuffle", text: "Shuffle" })
    ]);
    controls.querySelector(".mls-prev").addEventListener("click", function () { move(-1); });
    controls.querySelector(".mls-next").addEventListener("click", function () { move(1); });
    controls.querySelector(".mls-flip").addEventListener("click", turn);
    controls.querySelector(".mls-shuffle").addEventListener("click", function () {
      order = shuffled(order, self.random);
      position = 0;
      draw(true);
    });
    this.keyHandler = function (event) {
      if (event.key === " " || event.key === "Enter") {
        if (event.target.closest("button:not(.mls-flip)")) return false;
        if (event.target.closest(".mls-flip")) return false;
        turn();
        return true;
      }
      if (event.key === "ArrowRight") { move(1); return true; }
      if (event.key === "ArrowLeft") { move(-1); return true; }
      return false;
    };
    this.panel.appendChild(holder);
    this.panel.appendChild(counter);
    this.panel.appendChild(controls);
    this.panel.appendChild(el("p", { className: "mls-hint",
      text: "Click the card or press Space to turn it over; ← and → move between cards." }));
    draw(false);
  };

  // ------------------------------------------------------------- questions
  /* Up to `count` other cards whose short answers differ from the card's: same
   * chapter first, then any. */
  Study.prototype.distractors = function (card, count) {
    var text = card.short.textContent.trim();
    var seen = {};
    seen[text] = true;
    var pool = this.pool().filter(function (other) { return other.id !== card.id; });
    var same = shuffled(pool.filter(function (other) { return other.deck === card.deck; }), this.random);
    var rest = shuffled(pool.filter(function (other) { return other.deck !== card.deck; }), this.random);
    var chosen = [];
    same.concat(rest).forEach(function (other) {
      var otherText = other.short.textContent.trim();
      if (chosen.length < count && !seen[otherText]) {
        seen[otherText] = true;
        chosen.push(other);
      }
    });
    return chosen;
  };

  Study.prototype.choices = function (card) {
    return shuffled([card].concat(this.distractors(card, 3)), this.random);
  };

  // ------------------------------------------------------------- Learn mode
  Study.prototype.show_learn = function () {
    var self = this;
    var cards = shuffled(this.pool(), this.random).slice(0, LEARN_SESSION);
    var queue = cards.map(function (card) { return { card: card, streak: 0 }; });
    var learned = 0;
    var answered = 0;
    var missed = 0;

    function progress() {
      var bar = el("progress", { className: "mls-bar", max: cards.length, value: learned,
        "aria-label": "Cards learned" });
      return el("div", { className: "mls-learn-progress" }, [
        el("p", { className: "mls-learned", "data-learned": learned, "data-total": cards.length,
          text: "Learned " + learned + " of " + cards.length +
            " · a missed card comes back " + LEARN_MISS_GAP + " cards later" }), bar]);
    }

    function finish() {
      self.keyHandler = null;
      var again = el("button", { type: "button", className: "mls-button mls-primary mls-restart", text: "New session" });
      again.addEventListener("click", function () { self.show("learn"); });
      self.replace([progress(), el("p", { className: "mls-message mls-done",
        text: "Session complete: all " + cards.length + " cards learned, with " + answered + " answers, " +
          missed + " of them missed." }), again]);
      again.focus();
    }

    function ask() {
      if (!queue.length) return finish();
      var item = queue[0];
      var card = item.card;
      var options = self.choices(card);
      var feedback = el("div", { className: "mls-feedback", role: "status" });
      var buttons = options.map(function (option, index) {
        var button = el("button", { type: "button", className: "mls-option", "data-id": option.id },
          [el("span", { className: "mls-key", text: String(index + 1) }), copy(option.short)]);
        button.addEventListener("click", function () { answer(option); });
        return button;
      });
      var question = el("div", { className: "mls-question", "data-id": card.id },
        [self.topicTag(card), copy(card.front)]);

      function answer(option) {
        if (feedback.getAttribute("data-result")) return;
        var right = option.id === card.id;
        answered += 1;
        queue.shift();
        buttons.forEach(function (button) {
          button.disabled = true;
          if (button.getAttribute("data-id") === card.id) button.classList.add("is-correct");
          else if (button.getAttribute("data-id") === option.id) button.classList.add("is-wrong");
        });
        if (right) {
          item.streak += 1;
          if (item.streak >= LEARN_STREAK) learned += 1;
          else queue.splice(Math.min(LEARN_HIT_GAP, queue.length), 0, item);
        } else {
          missed += 1;
          item.streak = 0;
          queue.splice(Math.min(LEARN_MISS_GAP, queue.length), 0, item);
        }
        feedback.setAttribute("data-result", right ? "correct" : "wrong");
        feedback.appendChild(el("p", { className: "mls-verdict", text: right ?
          (item.streak >= LEARN_STREAK ? "Right, and learned." : "Right. It comes back once more.") :
          "Not this one. It comes back soon. The answer:" }));
        if (!right) feedback.appendChild(copy(card.back));
        var next = el("button", { type: "button", className: "mls-button mls-primary mls-continue", text: "Continue" });
        next.addEventListener("click", ask);
        feedback.appendChild(next);
        typeset(feedback);
        next.focus();
      }

      self.keyHandler = function (event) {
        var number = parseInt(event.key, 10);
        if (!feedback.getAttribute("data-result") && number >= 1 && number <= options.length) {
          answer(options[number - 1]);
          return true;
        }
        return false;
      };
      self.replace([progress(), question, el("div", { className: "mls-options", role: "group",
        "aria-label": "Choose the answer (keys 1 to " + options.length + ")" }, buttons), feedback]);
      buttons[0].focus();
    }
    ask();
  };

  // -------------------------------------------------------------- Test mode
  Study.prototype.show_test = function () {
    var self = this;
    var cards = shuffled(this.pool(), this.random).slice(0, TEST_SIZE);
    // Every other card that can be answered by typing (the first of them included) is a
    // typed question, so a set with any such card mixes both kinds.
    var typeable = 0;
    var questions = cards.map(function (card) {
      var canType = card.answers.length > 0 || !!card.term;
      var typed = canType && typeable % 2 === 0;
      if (canType) typeable += 1;
      return { card: card, kind: typed ? "typed" : "mc", options: typed ? null : self.choices(card) };
    });
    var form = el("form", { className: "mls-test", novalidate: true });
    var list = el("ol", { className: "mls-test-list" });
    questions.forEach(function (question, index) {
      var card = question.card;
      var fieldset = el("fieldset", { className: "mls-test-question", "data-id": card.id, "data-kind": question.kind });
      var legend = el("legend", {});
      if (question.kind === "mc") {
        legend.appendChild(copy(card.front));
        fieldset.appendChild(legend);
        question.options.forEach(function (option) {
          fieldset.appendChild(el("label", { className: "mls-choice" }, [
            el("input", { type: "radio", name: self.el.id + "-q" + index, value: option.id, "data-id": option.id }),
            copy(option.short)
          ]));
        });
      } else {
        if (card.answers.length) {
          legend.appendChild(copy(card.front));
          question.accepted = card.answers;
        } else {
          legend.appendChild(el("span", { className: "mls-prompt", text: "Which term is this? " }));
          legend.appendChild(copy(card.definition));
          question.accepted = card.aliases;
        }
        fieldset.appendChild(legend);
        fieldset.appendChild(el("label", { className: "mls-typed-label" }, ["Your answer ",
          el("input", { type: "text", className: "mls-typed", autocomplete: "off", spellcheck: "false",
            autocapitalize: "off" })]));
      }
      fieldset.appendChild(el("div", { className: "mls-feedback", role: "status" }));
      list.appendChild(el("li", {}, [fieldset]));
    });
    var submit = el("button", { type: "submit", className: "mls-button mls-primary mls-submit", text: "Check my answers" });
    var score = el("p", { className: "mls-score", "aria-live": "polite" });
    var best = (loadStore().tests[this.scope] || {}).best;
    form.appendChild(el("p", { className: "mls-hint", text: questions.length + " questions: choose an answer or type it. " +
      (best !== undefined ? "Your best score so far: " + Math.round(best * 100) + " %." : "") }));
    form.appendChild(list);
    form.appendChild(submit);
    form.appendChild(score);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.getAttribute("data-checked")) return;
      form.setAttribute("data-checked", "true");
      var right = 0;
      questions.forEach(function (question, index) {
        var fieldset = list.children[index].querySelector("fieldset");
        var feedback = fieldset.querySelector(".mls-feedback");
        var correct;
        if (question.kind === "mc") {
          var chosen = fieldset.querySelector("input:checked");
          correct = !!chosen && chosen.value === question.card.id;
          fieldset.querySelectorAll("input").forEach(function (input) {
            input.disabled = true;
            if (input.value === question.card.id) input.parentNode.classList.add("is-correct");
            else if (input.checked) input.parentNode.classList.add("is-wrong");
          });
        } else {
          var input = fieldset.querySelector("input");
          correct = answerMatches(input.value, question.accepted);
          input.readOnly = true;
        }
        if (correct) right += 1;
        fieldset.setAttribute("data-result", correct ? "correct" : "wrong");
        feedback.appendChild(el("p", { className: "mls-verdict", text: correct ? "✓ Right." : "✗ The answer: " +
          (question.kind === "typed" ? question.accepted[0] : "") }));
        if (!correct && question.kind === "mc") feedback.appendChild(copy(question.card.short));
      });
      var fraction = questions.length ? right / questions.length : 0;
      var store = updateStore(function (data) {
        var previous = data.tests[self.scope] || {};
        data.tests[self.scope] = { best: Math.max(previous.best || 0, fraction), last: fraction,
          date: self.now().toISOString() };
      });
      score.setAttribute("data-score", right);
      score.setAttribute("data-total", questions.length);
      score.textContent = "Score: " + right + " of " + questions.length + " (" + Math.round(fraction * 100) +
        " %). Best: " + Math.round(store.tests[self.scope].best * 100) + " %.";
      submit.disabled = true;
      var again = el("button", { type: "button", className: "mls-button mls-restart", text: "New test" });
      again.addEventListener("click", function () { self.show("test"); });
      form.appendChild(again);
      typeset(form);
      score.setAttribute("tabindex", "-1");
      score.focus();
    });
    this.panel.appendChild(form);
  };

  // ------------------------------------------------------------- Match mode
  Study.prototype.show_match = function () {
    var self = this;
    var terms = this.pool().filter(function (card) { return card.term; });
    var best = (loadStore().match[this.scope] || {}).best;
    if (terms.length < 2) {
      this.panel.appendChild(el("p", { className: "mls-message", text: "These cards have too few terms for Match." }));
      return;
    }
    var start = el("button", { type: "button", className: "mls-button mls-primary mls-start", text: "Start" });
    var pairs = Math.min(MATCH_PAIRS, terms.length);
    this.panel.appendChild(el("p", { className: "mls-hint", text: "Pair each term with its definition, as fast as you can. " +
      "A wrong pair adds " + MATCH_PENALTY_S + " s. " + pairs + " pairs." +
      (best !== undefined ? " Your best time: " + best.toFixed(1) + " s." : "") }));
    this.panel.appendChild(start);
    start.addEventListener("click", function () { play(); });

    function play() {
      var chosen = shuffled(terms, self.random).slice(0, pairs);
      var tiles = [];
      chosen.forEach(function (card) {
        tiles.push({ card: card, kind: "term" });
        tiles.push({ card: card, kind: "definition" });
      });
      tiles = shuffled(tiles, self.random);
      var begun = Date.now();
      var penalty = 0;
      var matched = 0;
      var selected = null;
      var timer = el("p", { className: "mls-timer", role: "timer", "aria-live": "off", text: "0.0 s" });
      var status = el("p", { className: "mls-match-status", role: "status" });
      var grid = el("div", { className: "mls-grid" });
      function elapsed() { return (Date.now() - begun) / 1000 + penalty; }
      self.timers.push(setInterval(function () { timer.textContent = elapsed().toFixed(1) + " s"; }, 100));
      tiles.forEach(function (tile) {
        var content = tile.kind === "term" ? el("span", { className: "mls-term-text", text: tile.card.term }) :
          copy(tile.card.definition);
        var button = el("button", { type: "button", className: "mls-tile mls-tile-" + tile.kind,
          "data-id": tile.card.id, "data-kind": tile.kind, "aria-pressed": "false" }, [content]);
        button.addEventListener("click", function () { pick(button); });
        grid.appendChild(button);
      });

      function pick(button) {
        if (button.disabled) return;
        if (selected === button) {
          button.setAttribute("aria-pressed", "false");
          selected = null;
          return;
        }
        if (!selected || selected.getAttribute("data-kind") === button.getAttribute("data-kind")) {
          if (selected) selected.setAttribute("aria-pressed", "false");
          selected = button;
          button.setAttribute("aria-pressed", "true");
          return;
        }
        var first = selected;
        selected = null;
        first.setAttribute("aria-pressed", "false");
        if (first.getAttribute("data-id") === button.getAttribute("data-id")) {
          [first, button].forEach(function (tile) {
            tile.disabled = true;
            tile.classList.add("is-matched");
          });
          matched += 1;
          status.textContent = "Matched " + matched + " of " + pairs + ".";
          if (matched === pairs) done();
          else {
            var next = grid.querySelector(".mls-tile:not(:disabled)");
            if (next) next.focus();
          }
        } else {
          penalty += MATCH_PENALTY_S;
          status.textContent = "Not a pair: +" + MATCH_PENALTY_S + " s.";
          [first, button].forEach(function (tile) { tile.classList.add("is-wrong"); });
          self.timers.push(setTimeout(function () {
            [first, button].forEach(function (tile) { tile.classList.remove("is-wrong"); });
          }, 500));
        }
      }

      function done() {
        var seconds = elapsed();
        self.clearTimers();
        var store = updateStore(function (data) {
          var previous = data.match[self.scope] || {};
          data.match[self.scope] = { best: previous.best === undefined ? seconds : Math.min(previous.best, seconds),
            last: seconds, date: self.now().toISOString() };
        });
        timer.textContent = seconds.toFixed(1) + " s";
        var again = el("button", { type: "button", className: "mls-button mls-primary mls-restart", text: "Play again" });
        again.addEventListener("click", function () { self.show("match"); });
        var result = el("p", { className: "mls-match-result", "data-seconds": seconds.toFixed(1),
          text: "All " + pairs + " pairs in " + seconds.toFixed(1) + " s (" + penalty + " s of penalties). Best: " +
            store.match[self.scope].best.toFixed(1) + " s." });
        self.replace([result, again]);
        again.focus();
      }

      self.replace([timer, grid, status]);
      grid.querySelector(".mls-tile").focus();
    }
  };

  // ------------------------------------------------------------ Review mode
  Study.prototype.nextReviewCard = function () {
    var store = loadStore();
    var now = this.now();
    var pool = this.pool();
    var due = pool.filter(function (card) { return isDue(store.cards[card.id], now); });
    due.sort(function (a, b) { return new Date(store.cards[a.id].due) - new Date(store.cards[b.id].due); });
    if (due.length) return { card: due[0], store: store, fresh: false };
    if (this.newSeen < NEW_PER_SESSION) {
      var fresh = pool.filter(function (card) { return !store.cards[card.id]; });
      if (fresh.length) return { card: fresh[0], store: store, fresh: true };
    }
    return { card: null, store: store };
  };

  Study.prototype.show_review = function () {
    var self = this;
    if (!fsrsLibrary()) {
      this.panel.appendChild(el("p", { className: "mls-message", text: "The scheduler (ts-fsrs) did not load." }));
      return;
    }
    var status = el("p", { className: "mls-review-status", role: "status" });

    function counts(store) {
      var now = self.now();
      var pool = self.pool();
      var due = pool.filter(function (card) { return isDue(store.cards[card.id], now); }).length;
      var fresh = pool.filter(function (card) { return !store.cards[card.id]; }).length;
      var mastered = pool.filter(function (card) { return isMastered(store.cards[card.id]); }).length;
      return el("p", { className: "mls-review-counts", "data-due": due, "data-new": fresh, "data-mastered": mastered,
        text: due + " due · " + fresh + " new (up to " + NEW_PER_SESSION + " per session) · mastered " + mastered +
          " of " + pool.length });
    }

    function next() {
      var pick = self.nextReviewCard();
      var card = pick.card;
      if (!card) {
        var later = self.pool().map(function (c) { return pick.store.cards[c.id]; }).filter(Boolean)
          .map(function (saved) { return new Date(saved.due).getTime(); }).sort(function (a, b) { return a - b; });
        var again = el("button", { type: "button", className: "mls-button mls-check", text: "Check again" });
        again.addEventListener("click", next);
        var more = el("button", { type: "button", className: "mls-button mls-more-new", text: "Add " + NEW_PER_SESSION + " new cards" });
        more.addEventListener("click", function () { self.newSeen = 0; next(); });
        var fresh = self.pool().some(function (c) { return !pick.store.cards[c.id]; });
        self.keyHandler = null;
        self.replace([counts(pick.store), el("p", { className: "mls-message mls-caught-up", text: "Nothing is due now." +
          (later.length ? " The next card is due in " + describeDelay(later[0] - self.now().getTime()) + "." : "") }),
          el("div", { className: "mls-controls" }, [again, fresh ? more : null]), status]);
        return;
      }
      var shown = false;
      var answer = el("div", { className: "mls-answer", hidden: true }, [copy(card.back)]);
      var reveal = el("button", { type: "button", className: "mls-button mls-primary mls-show", text: "Show answer" });
      var outcomes = preview(pick.store.cards[card.id], self.now());
      var rateButtons = [1, 2, 3, 4, 5].map(function (confidence) {
        var button = el("button", { type: "button", className: "mls-rate", "data-confidence": confidence,
          title: "Due again in " + describeDelay(outcomes[confidence] - self.now()) }, [
          el("span", { className: "mls-rate-number", text: String(confidence) }),
          el("span", { className: "mls-rate-label", text: CONFIDENCE_LABELS[confidence] }),
          el("span", { className: "mls-interval", text: describeDelay(outcomes[confidence] - self.now()) })]);
        button.addEventListener("click", function () { rate(confidence); });
        return button;
      });
      var rating = el("div", { className: "mls-rating", hidden: true, role: "group",
        "aria-label": "How well did you know this? 1 not at all, 5 perfectly" },
        [el("p", { className: "mls-ask", text: "How well did you know this? (keys 1–5)" })].concat(rateButtons));

      function showAnswer() {
        if (shown) return;
        shown = true;
        answer.hidden = false;
        reveal.hidden = true;
        rating.hidden = false;
        typeset(answer);
        rateButtons[3].focus();
      }

      function rate(confidence) {
        if (!shown) return;
        var now = self.now();
        var store = updateStore(function (data) {
          data.cards[card.id] = review(data.cards[card.id] || null, confidence, now);
        });
        if (pick.fresh) self.newSeen += 1;
        var due = new Date(store.cards[card.id].due);
        status.setAttribute("data-id", card.id);
        status.setAttribute("data-due", due.toISOString());
        status.setAttribute("data-confidence", confidence);
        status.textContent = "Rated " + confidence + " (" + CONFIDENCE_LABELS[confidence].toLowerCase() +
          "): this card is due again in " + describeDelay(due - now) + ", on " + due.toLocaleString() + ".";
        self.refreshStats();
        next();
      }

      reveal.addEventListener("click", showAnswer);
      self.keyHandler = function (event) {
        if (!shown && (event.key === " " || event.key === "Enter")) {
          if (event.target.closest("button:not(.mls-show)")) return false;
          showAnswer();
          return true;
        }
        var number = parseInt(event.key, 10);
        if (shown && number >= 1 && number <= 5) {
          rate(number);
          return true;
        }
        return false;
      };
      self.replace([counts(pick.store), el("div", { className: "mls-review-card", "data-id": card.id,
        "data-new": pick.fresh ? "true" : "false" }, [self.topicTag(card), copy(card.front), answer]),
        reveal, rating, status]);
      reveal.focus();
    }
    next();
  };

  // ------------------------------------------------------------------ start
  function mountAll() {
    if (typeof document === "undefined") return;
    document.querySelectorAll(".mlcourse-study:not([data-ready])").forEach(function (container) {
      try {
        new Study(container).start();
      } catch (error) {
        container.setAttribute("data-ready", "error");
        if (root.console) root.console.warn("mlcourse study:", error);
      }
    });
  }

  root.MlcourseStudy = {
    CONFIDENCE_TO_RATING: CONFIDENCE_TO_RATING,
    MASTERED_STABILITY_DAYS: MASTERED_STABILITY_DAYS,
    FSRS_SETTINGS: FSRS_SETTINGS,
    STORAGE_KEY: STORAGE_KEY,
    review: review,
    preview: preview,
    simulate: simulate,
    isMastered: isMastered,
    answerMatches: answerMatches,
    mountAll: mountAll
  };

  if (typeof document !== "undefined") {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
    else mountAll();
  }
})(typeof globalThis !== "undefined" ? globalThis : this);
