/*
 * The customer-facing pages (invitation, consent review): draws the server's Adaptive Card with the
 * adaptivecards renderer, sends the card's actions back, and follows the flow by polling.
 *
 * Plain browser script, no build step. It runs under `script-src 'self'; style-src 'self'`, so it
 * never injects script or style markup: the renderer styles elements through the CSSOM, and our own
 * markup uses classes from invitePage.css. Under node it only exports its pure parts for unit tests.
 */
(function (root, factory) {
  'use strict';
  var page = factory();
  if (typeof module === 'object' && module.exports) {
    module.exports = page;
  } else if (root.document.readyState === 'loading') {
    root.document.addEventListener('DOMContentLoaded', function () { page.start(root); });
  } else {
    page.start(root);
  }
})(typeof window !== 'undefined' ? window : this, function () {
  'use strict';

  /* Close to the Teams light theme, with text colours darkened to meet WCAG AA on white. */
  var HOST_CONFIG = {
    supportsInteractivity: true,
    fontTypes: {
      default: {
        fontFamily: '"Segoe UI", "Segoe UI Web (West European)", -apple-system, BlinkMacSystemFont, Roboto, "Helvetica Neue", sans-serif',
        fontSizes: { small: 12, default: 14, medium: 16, large: 20, extraLarge: 24 },
        fontWeights: { lighter: 300, default: 400, bolder: 600 },
      },
      monospace: {
        fontFamily: 'Consolas, "SFMono-Regular", Menlo, "Liberation Mono", "Courier New", monospace',
        fontSizes: { small: 12, default: 14, medium: 16, large: 20, extraLarge: 28 },
        fontWeights: { lighter: 300, default: 400, bolder: 600 },
      },
    },
    spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 28, padding: 20 },
    separator: { lineThickness: 1, lineColor: '#E0E0E0' },
    imageSizes: { small: 32, medium: 52, large: 100 },
    containerStyles: {
      default: {
        backgroundColor: '#FFFFFF',
        foregroundColors: {
          default: { default: '#242424', subtle: '#616161' },
          dark: { default: '#242424', subtle: '#424242' },
          light: { default: '#FFFFFF', subtle: '#F0F0F0' },
          accent: { default: '#4F52B2', subtle: '#5B5FC7' },
          good: { default: '#0E700E', subtle: '#237B4B' },
          warning: { default: '#835B00', subtle: '#8F6200' },
          attention: { default: '#B10E1C', subtle: '#C4314B' },
        },
      },
      emphasis: {
        backgroundColor: '#F5F5F5',
        foregroundColors: {
          default: { default: '#242424', subtle: '#5C5C5C' },
          accent: { default: '#4F52B2', subtle: '#5B5FC7' },
          good: { default: '#0E700E', subtle: '#237B4B' },
          warning: { default: '#7A5500', subtle: '#835B00' },
          attention: { default: '#A80D1A', subtle: '#B10E1C' },
        },
      },
      accent: { backgroundColor: '#EBEBF7' },
      good: { backgroundColor: '#E7F4E4' },
      warning: { backgroundColor: '#FBF3DB' },
      attention: { backgroundColor: '#FCEBEC' },
    },
    actions: {
      maxActions: 6,
      spacing: 'medium',
      buttonSpacing: 8,
      showCard: { actionMode: 'inline', inlineTopMargin: 16, style: 'emphasis' },
      actionsOrientation: 'horizontal',
      actionAlignment: 'left',
    },
    adaptiveCard: { allowCustomStyle: true },
    factSet: {
      title: { color: 'default', size: 'default', isSubtle: true, weight: 'default', wrap: true, maxWidth: 150 },
      value: { color: 'default', size: 'default', isSubtle: false, weight: 'default', wrap: true },
      spacing: 16,
    },
  };

  var POLL_FLOOR_MS = 500;
  var RETRY_CEILING_MS = 30000;
  /* The Date header has one-second resolution: only a clearly wrong device clock is corrected. */
  var CLOCK_SKEW_TOLERANCE_MS = 5000;

  /* ---------- pure parts ---------- */

  function formatRemaining(ms) {
    var total = Math.ceil(ms / 1000);
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    var ss = (seconds < 10 ? '0' : '') + seconds;
    if (hours > 0) return hours + ':' + (minutes < 10 ? '0' : '') + minutes + ':' + ss;
    return minutes + ':' + ss;
  }

  function countdownText(remainingMs) {
    return remainingMs > 0 ? 'Code expires in ' + formatRemaining(remainingMs) : 'This code has expired';
  }

  /** Submit carries its verb in `data.verb`; Execute in `verb` (and maybe `data.verb`): both post `{ verb, ...data }`. */
  function actionPayload(type, verb, data) {
    var body = {};
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      for (var key in data) if (Object.prototype.hasOwnProperty.call(data, key)) body[key] = data[key];
    }
    var chosen = type === 'Action.Execute' && typeof verb === 'string' && verb ? verb : body.verb;
    if (typeof chosen !== 'string' || !chosen) return null;
    body.verb = chosen;
    return body;
  }

  /** Only web addresses leave the page: never `javascript:` or `data:` from a card. */
  function webUrl(url, base) {
    try {
      var parsed = new URL(String(url), base);
      return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }

  /*
   * The markdown subset Teams shows in TextBlocks: **bold**, _italic_ / *italic*, [links](https://…),
   * bullet and numbered lists, line breaks. Everything is escaped first; the only tags are the ones
   * written here. Returns null for text without markdown, which the renderer then shows as plain text.
   */
  function markdownToHtml(text) {
    var used = false;
    var links = [];
    function inline(line) {
      var withLinks = escapeHtml(line).replace(/\[([^\]\u0000]+)\]\((https?:\/\/[^\s)\u0000]+)\)/g, function (_m, label, href) {
        used = true;
        links.push('<a href="' + href + '" rel="noopener noreferrer">' + label + '</a>');
        return '\u0000' + (links.length - 1) + '\u0000';
      });
      var styled = withLinks
        .replace(/\*\*(?=\S)([^*\u0000]*?\S)\*\*/g, function (_m, inner) { used = true; return '<strong>' + inner + '</strong>'; })
        .replace(/(^|[^\w*])\*(?=\S)([^*\u0000]*?\S)\*(?!\*)/g, function (_m, before, inner) { used = true; return before + '<em>' + inner + '</em>'; })
        .replace(/(^|[^\w])_(?=\S)([^_\u0000]*?\S)_(?!\w)/g, function (_m, before, inner) { used = true; return before + '<em>' + inner + '</em>'; });
      return styled.replace(/\u0000(\d+)\u0000/g, function (_m, index) { return links[Number(index)]; });
    }

    var blocks = [];
    var paragraph = [];
    var list = null;
    function flushParagraph() {
      if (paragraph.length) blocks.push('<p>' + paragraph.join('<br>') + '</p>');
      paragraph = [];
    }
    function flushList() {
      if (list) blocks.push('<' + list.tag + (list.start > 1 ? ' start="' + list.start + '"' : '') + '>' + list.items.map(function (item) { return '<li>' + item + '</li>'; }).join('') + '</' + list.tag + '>');
      list = null;
    }

    String(text).replace(/\u0000/g, '').split(/\r?\n/).forEach(function (line) {
      var bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
      var numbered = /^\s*(\d+)[.)]\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        var tag = bullet ? 'ul' : 'ol';
        flushParagraph();
        if (list && list.tag !== tag) flushList();
        // Cards number steps across TextBlocks ("1. …", then "2. …"): keep the author's number.
        if (!list) list = { tag: tag, items: [], start: numbered ? Number(numbered[1]) : 1 };
        list.items.push(inline(bullet ? bullet[1] : numbered[2]));
        used = true;
      } else if (line.trim() === '') {
        flushList();
        flushParagraph();
      } else {
        flushList();
        paragraph.push(inline(line));
      }
    });
    flushList();
    flushParagraph();
    if (blocks.length > 1) used = true;
    return used ? blocks.join('') : null;
  }

  /* ---------- the live page ---------- */

  function start(win) {
    var doc = win.document;
    var AC = win.AdaptiveCards;
    var app = doc.getElementById('ta-app');
    var cardHost = doc.getElementById('ta-card');
    var alertBox = doc.getElementById('ta-alert');
    var statusBox = doc.getElementById('ta-status');
    var announcer = doc.getElementById('ta-announce');
    if (!app || !cardHost || !alertBox || !statusBox || !announcer) return;
    var stateUrl = app.getAttribute('data-state-url');
    var actionsUrl = app.getAttribute('data-actions-url');
    if (!AC) {
      showPlain('This page could not load', 'Reload the page. If it keeps happening, ask the person who sent you the link.');
      return;
    }

    AC.GlobalSettings.setTabIndexAtCardRoot = false;
    AC.AdaptiveCard.onProcessMarkdown = function (text, result) {
      var html = markdownToHtml(text);
      if (html !== null) {
        result.outputHtml = html;
        result.didProcess = true;
      }
    };
    var hostConfig = new AC.HostConfig(HOST_CONFIG);

    /* Every request takes a number; only the answer to the newest one is shown, so a slow poll never overwrites an action's result. */
    var generation = 0;
    var pollTimer = null;
    var pollAfterMs = null;
    var countdownTimer = null;
    var failures = 0;
    var busy = false;
    var gone = false;
    var shownCard = null;
    var shownCardJson = null;
    var busyButtons = [];

    /* Live regions stay in the page (never `hidden`), or some screen readers miss the change. */
    function say(box, text) {
      box.textContent = text;
    }

    function showPlain(title, text) {
      var wrapper = doc.createElement('div');
      wrapper.className = 'ta-plain';
      var heading = doc.createElement('h1');
      heading.className = 'ta-plain-title';
      heading.textContent = title;
      var body = doc.createElement('p');
      body.className = 'ta-plain-text';
      body.textContent = text;
      wrapper.append(heading, body);
      cardHost.replaceChildren(wrapper);
      cardHost.removeAttribute('aria-busy');
      announcer.textContent = title;
    }

    function schedulePoll(delayMs) {
      win.clearTimeout(pollTimer);
      pollTimer = null;
      if (gone || delayMs === null) return;
      pollTimer = win.setTimeout(poll, delayMs);
    }

    function retryDelay() {
      return Math.min(RETRY_CEILING_MS, 2000 * Math.pow(2, Math.max(0, failures - 1)));
    }

    function clockOffset(response) {
      var serverNow = Date.parse(response.headers.get('date') || '');
      if (isNaN(serverNow)) return 0;
      var offset = serverNow - Date.now();
      return Math.abs(offset) > CLOCK_SKEW_TOLERANCE_MS ? offset : 0;
    }

    async function exchange(method, url, body) {
      var response;
      try {
        response = await win.fetch(url, {
          method: method,
          headers: body ? { accept: 'application/json', 'content-type': 'application/json' } : { accept: 'application/json' },
          body: body ? JSON.stringify(body) : undefined,
          cache: 'no-store',
          credentials: 'same-origin',
        });
      } catch (e) {
        return { kind: 'failed', message: 'The connection to the server was lost.' };
      }
      var text = '';
      var json = null;
      try {
        text = await response.text();
        json = JSON.parse(text);
      } catch (e) {
        json = null;
      }
      if (response.status === 404 && json && json.gone === true) return { kind: 'gone' };
      if (response.ok && json && json.card && typeof json.card === 'object') {
        return { kind: 'state', state: json, clockOffsetMs: clockOffset(response) };
      }
      if (json && typeof json.error === 'string' && json.error) {
        return { kind: response.status < 500 ? 'refused' : 'failed', message: json.error };
      }
      var plain = /^text\/plain/i.test(response.headers.get('content-type') || '') && text.length < 300 ? text.trim() : '';
      if (response.status >= 400 && response.status < 500) return { kind: 'refused', message: plain || 'That did not work. Reload the page and try again.' };
      return { kind: 'failed', message: plain || 'Something went wrong on our side.' };
    }

    async function poll() {
      pollTimer = null;
      var mine = ++generation;
      var outcome = await exchange('GET', stateUrl);
      if (mine === generation) settle(outcome, false);
    }

    async function send(body) {
      schedulePoll(null);
      setBusy(true);
      say(alertBox, '');
      var mine = ++generation;
      var outcome = await exchange('POST', actionsUrl, body);
      if (mine === generation) settle(outcome, true);
    }

    function settle(outcome, fromAction) {
      if (outcome.kind === 'gone') {
        gone = true;
        schedulePoll(null);
        stopCountdown();
        say(alertBox, '');
        say(statusBox, '');
        showPlain('This link no longer works', 'Ask the person who sent it to you for a new invitation.');
        return;
      }
      if (outcome.kind === 'state') {
        failures = 0;
        say(statusBox, '');
        showState(outcome.state, outcome.clockOffsetMs, fromAction);
        return;
      }
      if (fromAction) {
        setBusy(false);
        say(alertBox, outcome.message + (outcome.kind === 'failed' ? ' Try again in a moment.' : ''));
        schedulePoll(pollAfterMs);
        return;
      }
      failures += 1;
      say(statusBox, shownCard ? 'Could not check for updates. Trying again…' : 'Could not load this page. Trying again…');
      schedulePoll(retryDelay());
    }

    function showState(state, clockOffsetMs, fromAction) {
      pollAfterMs = typeof state.pollAfterMs === 'number' && isFinite(state.pollAfterMs) ? Math.max(POLL_FLOOR_MS, state.pollAfterMs) : null;
      var json = JSON.stringify(state.card);
      if (json !== shownCardJson) {
        renderCard(state.card, fromAction);
        shownCardJson = json;
        say(alertBox, '');
      } else {
        setBusy(false);
      }
      startCountdown(state.countdownTo, clockOffsetMs);
      schedulePoll(pollAfterMs);
    }

    function renderCard(cardJson, fromAction) {
      var hadFocus = cardHost.contains(doc.activeElement);
      var card = new AC.AdaptiveCard();
      card.hostConfig = hostConfig;
      card.onExecuteAction = onAction;
      card.onAnchorClicked = function (_element, anchor) {
        openExternal(anchor.href);
        return true;
      };
      var rendered;
      try {
        card.parse(cardJson);
        rendered = card.render();
      } catch (e) {
        rendered = undefined;
      }
      busy = false;
      busyButtons = [];
      stopCountdown();
      if (!rendered) {
        shownCard = null;
        showPlain('This step could not be shown', 'Reload the page. If it keeps happening, ask the person who sent you the link.');
        return;
      }
      shownCard = card;
      cardHost.replaceChildren(rendered);
      cardHost.removeAttribute('aria-busy');
      addCopyButtons(card);
      announce(card);
      // The button that was clicked is gone; keep keyboard and screen-reader users in the card.
      if (hadFocus || fromAction) cardHost.focus();
    }

    /*
     * A short spoken summary, so a screen-reader user hears that the step changed: the card's heading
     * (its first bold TextBlock), not a subtle line above it such as the tenant name on status cards.
     */
    function announce(card) {
      var first = null;
      var heading = null;
      for (var i = 0; i < card.getItemCount() && !heading; i++) {
        var item = card.getItemAt(i);
        if (item.getJsonTypeName() !== 'TextBlock' || !item.text) continue;
        if (first === null) first = item.text;
        if (item.weight === AC.TextWeight.Bolder) heading = item.text;
      }
      var text = heading || first;
      announcer.textContent = text ? String(text).replace(/[*_]/g, '') : '';
    }

    function setBusy(on) {
      busy = on;
      if (on) {
        busyButtons = Array.prototype.filter.call(cardHost.querySelectorAll('button'), function (button) { return !button.disabled; });
        busyButtons.forEach(function (button) { button.disabled = true; });
        cardHost.setAttribute('aria-busy', 'true');
      } else {
        busyButtons.forEach(function (button) { button.disabled = false; });
        busyButtons = [];
        cardHost.removeAttribute('aria-busy');
      }
    }

    function onAction(action) {
      var type = action.getJsonTypeName();
      if (type === 'Action.OpenUrl') {
        openExternal(action.url);
        return;
      }
      if (type !== 'Action.Submit' && type !== 'Action.Execute') return;
      if (busy) return;
      var body = actionPayload(type, action.verb, action.data);
      if (!body) {
        say(alertBox, 'This button does not work on this page.');
        return;
      }
      send(body);
    }

    function openExternal(url) {
      var target = webUrl(url, win.location.href);
      if (target) win.open(target, '_blank', 'noopener,noreferrer');
    }

    /* ---------- device code helpers ---------- */

    /* TextBlocks a person has to paste somewhere else, by card element id. */
    var COPYABLE = [
      { id: 'userCode', label: 'Copy code', noun: 'code' },
      { id: 'reviewLink', label: 'Copy link', noun: 'link' },
    ];

    function addCopyButtons(card) {
      COPYABLE.forEach(function (copyable) { addCopyButton(card, copyable); });
    }

    /* Puts the text and its Copy button on one row (wrapping on narrow screens), with a hint line for the outcome. */
    function addCopyButton(card, copyable) {
      var block = card.getElementById(copyable.id);
      var textElement = block && block.renderedElement;
      var text = block && typeof block.text === 'string' ? block.text.trim() : '';
      if (!textElement || !textElement.parentNode || !text) return;
      textElement.classList.add('ta-copyable');
      var row = doc.createElement('div');
      row.className = 'ta-copy-row';
      // Keep the card author's alignment (the device code is centred) now that the text sits in a row.
      var align = win.getComputedStyle(textElement).textAlign;
      var placement = align === 'center' ? '-center' : align === 'right' || align === 'end' ? '-end' : '';
      if (placement) row.classList.add('ta-copy-row' + placement);
      var button = doc.createElement('button');
      button.type = 'button';
      button.className = 'ta-copy-button';
      button.id = 'ta-copy-' + copyable.id;
      button.textContent = copyable.label;
      var hint = doc.createElement('p');
      hint.className = 'ta-copy-hint' + (placement ? ' ta-copy-hint' + placement : '');
      hint.id = 'ta-copy-' + copyable.id + '-hint';
      hint.setAttribute('aria-live', 'polite');
      button.addEventListener('click', function () { copyText(text, textElement, copyable, button, hint); });
      textElement.parentNode.insertBefore(row, textElement);
      row.append(textElement, button);
      row.insertAdjacentElement('afterend', hint);
    }

    async function copyText(text, textElement, copyable, button, hint) {
      var copied = false;
      if (win.navigator.clipboard && typeof win.navigator.clipboard.writeText === 'function') {
        try {
          await win.navigator.clipboard.writeText(text);
          copied = true;
        } catch (e) {
          copied = false;
        }
      }
      if (copied) {
        button.textContent = 'Copied';
        hint.textContent = 'The ' + copyable.noun + ' is on your clipboard.';
        win.setTimeout(function () {
          button.textContent = copyable.label;
          hint.textContent = '';
        }, 3000);
        return;
      }
      // No clipboard access (older browser, or permission refused): select the text for a manual copy.
      var range = doc.createRange();
      range.selectNodeContents(textElement);
      var selection = win.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      hint.textContent = 'The ' + copyable.noun + ' is selected: copy it with Ctrl+C (⌘C on a Mac).';
    }

    function stopCountdown() {
      win.clearTimeout(countdownTimer);
      countdownTimer = null;
    }

    function startCountdown(countdownTo, clockOffsetMs) {
      stopCountdown();
      var block = shownCard && shownCard.getElementById('countdown');
      var element = block && block.renderedElement;
      var deadline = typeof countdownTo === 'string' ? Date.parse(countdownTo) : NaN;
      if (!element || isNaN(deadline)) return;
      // A live region ticking every second would talk over everything else.
      element.setAttribute('aria-live', 'off');
      function tick() {
        var remaining = deadline - (Date.now() + clockOffsetMs);
        element.textContent = countdownText(remaining);
        if (remaining > 0) countdownTimer = win.setTimeout(tick, ((remaining - 1) % 1000) + 1);
      }
      tick();
    }

    /* Background tabs get slow timers: catch up as soon as the admin comes back from signing in. */
    doc.addEventListener('visibilitychange', function () {
      if (doc.visibilityState === 'visible' && pollTimer !== null) {
        schedulePoll(0);
      }
    });

    poll();
  }

  return {
    HOST_CONFIG: HOST_CONFIG,
    formatRemaining: formatRemaining,
    countdownText: countdownText,
    actionPayload: actionPayload,
    webUrl: webUrl,
    markdownToHtml: markdownToHtml,
    start: start,
  };
});
