// The reference stack's trading page client: plain JavaScript, no build step.
//
// What the real app's /btcturk page does, as the go-live checklist sees it: with the
// WebSocket flag on, it opens the BTCTurk feed, subscribes to the pair's ticker and order
// book, and shows the connection in a status pill (WS green when OPEN, WS! yellow when
// DEGRADED, WS✗ red when CLOSED) whose tooltip gives the measured latency, and the best
// bid, best ask and spread in the Spread Card. With the flag off it polls the ticker
// endpoint and shows Canlı. The config comes from the page (script#golive-page-config).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("golive-page-config").textContent);
  var LATENCY_PROBE_MS = 1000; // how often the feed's round trip is measured
  var STALE_MS = 5000; // no message for this long: DEGRADED
  var RETRY_MS = 5000; // the real client retries 5 times, 5 s apart
  var RETRIES = 5;

  var header = document.querySelector("header");
  var card = {
    bid: document.querySelector('[data-testid="spread-card"] [data-field="bid"]'),
    ask: document.querySelector('[data-testid="spread-card"] [data-field="ask"]'),
    spread: document.querySelector('[data-testid="spread-card"] [data-field="spread"]'),
  };
  var store = { wsStatus: "CLOSED", wsLatency: null, wsReconnectAttempts: 0, lastMessageAt: 0 };

  function showPrices(bid, ask) {
    if (!(isFinite(bid) && isFinite(ask))) return;
    card.bid.textContent = String(bid);
    card.ask.textContent = String(ask);
    card.spread.textContent = String(Math.round((ask - bid) * 1e8) / 1e8);
  }

  // ------------------------------------------------------------------ polling (flag off)
  function startPolling() {
    header.innerHTML =
      '<span class="pill pill-live" data-testid="feed-pill" data-feed-mode="polling">Canlı</span>';
    function poll() {
      fetch(config.tickerPath, { cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          var raw = body && body.data ? body.data : body;
          var row = raw && raw.data ? raw.data[0] : raw;
          if (row) showPrices(Number(row.bid), Number(row.ask));
        })
        .catch(function () {})
        .then(function () { setTimeout(poll, config.pollMs); });
    }
    poll();
  }

  // ------------------------------------------------------------------ the feed (flag on)
  var pill, tooltip;
  function drawPill() {
    var state = store.wsStatus;
    pill.textContent = state === "OPEN" ? "WS" : state === "DEGRADED" ? "WS!" : "WS✗";
    pill.className = "pill " + (state === "OPEN" ? "pill-green" : state === "DEGRADED" ? "pill-yellow" : "pill-red");
    pill.setAttribute("data-ws-status", state);
    var latency = store.wsLatency === null ? "measuring" : Math.round(store.wsLatency) + " ms";
    var text = "WebSocket latency: " + latency + " · reconnects: " + store.wsReconnectAttempts;
    pill.title = text;
    tooltip.textContent = text;
  }

  function setStatus(state) {
    store.wsStatus = state;
    drawPill();
  }

  function judgeHealth() {
    if (store.wsStatus === "CLOSED") return;
    var slow = store.wsLatency !== null && store.wsLatency > config.latencyLimitMs;
    var stale = Date.now() - store.lastMessageAt > STALE_MS;
    setStatus(slow || stale ? "DEGRADED" : "OPEN");
  }

  var book = { seen: false };
  function onBook(payload) {
    var bids = payload.BO || payload.bids || [];
    var asks = payload.AO || payload.asks || [];
    var bestBid = bids.length ? Number(bids[0].P !== undefined ? bids[0].P : bids[0][0]) : NaN;
    var bestAsk = asks.length ? Number(asks[0].P !== undefined ? asks[0].P : asks[0][0]) : NaN;
    book.seen = true;
    showPrices(bestBid, bestAsk);
  }

  function connect() {
    // The feed is on the host the page came from (the stack's parts share it), at its port:
    // a stack bound to 0.0.0.0 is reached by the name the browser used.
    var feed = config.wsPort ? "ws://" + location.hostname + ":" + config.wsPort + "/" : config.wsUrl;
    var socket = new WebSocket(feed);
    var probeSentAt = null;
    var probeTimer = null;
    // The feed answers joins in order: the probe's answer is the one of its own number.
    var tickerJoins = 0, tickerAnswers = 0, probeNumber = 0;
    function joinTicker() {
      tickerJoins += 1;
      socket.send(JSON.stringify([151, { type: 151, channel: "ticker", event: config.pair, join: true }]));
    }
    socket.onopen = function () {
      setStatus("OPEN");
      store.lastMessageAt = Date.now();
      // The first join is the first measure of the round trip.
      probeSentAt = Date.now();
      joinTicker();
      probeNumber = tickerJoins;
      socket.send(JSON.stringify([151, { type: 151, channel: "orderbook", event: config.pair, join: true }]));
      // The round trip of a join the feed answers (100): the browser's WebSocket has no ping.
      probeTimer = setInterval(function () {
        if (probeSentAt !== null && Date.now() - probeSentAt > config.latencyLimitMs) {
          store.wsLatency = Date.now() - probeSentAt; // still waiting: at least this slow
          judgeHealth();
          return;
        }
        if (probeSentAt === null) {
          probeSentAt = Date.now();
          joinTicker();
          probeNumber = tickerJoins;
        }
        judgeHealth();
      }, LATENCY_PROBE_MS);
    };
    socket.onmessage = function (event) {
      store.lastMessageAt = Date.now();
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      var kind = message[0], payload = message[1] || {};
      if (kind === 100 && String(payload.message || "").indexOf("join|ticker") === 0) {
        tickerAnswers += 1;
        if (probeSentAt !== null && tickerAnswers === probeNumber) {
          store.wsLatency = Date.now() - probeSentAt;
          probeSentAt = null;
          judgeHealth();
        }
      } else if (kind === 431) {
        onBook(payload);
      } else if (kind === 402 && !book.seen) {
        showPrices(Number(payload.B), Number(payload.A));
      }
    };
    socket.onclose = function () {
      clearInterval(probeTimer);
      setStatus("CLOSED");
      if (store.wsReconnectAttempts < RETRIES) {
        store.wsReconnectAttempts += 1;
        drawPill();
        setTimeout(connect, store.wsReconnectAttempts === 1 ? 500 : RETRY_MS);
      }
    };
  }

  function startFeed() {
    header.innerHTML =
      '<span class="pill pill-red" data-testid="ws-pill" data-ws-status="CLOSED" tabindex="0">WS✗</span>' +
      '<span class="tooltip" role="tooltip" data-testid="ws-tooltip"></span>';
    pill = header.querySelector('[data-testid="ws-pill"]');
    tooltip = header.querySelector('[data-testid="ws-tooltip"]');
    drawPill();
    connect();
  }

  // ------------------------------------------------------------------ a heavy render
  // The frozen-ui scenario: every so often the page's main thread is busy for a long while
  // (a render loop gone wrong), though every endpoint answers fast.
  if (config.blockMs > 0) {
    setInterval(function () {
      var until = performance.now() + config.blockMs;
      while (performance.now() < until) { /* busy */ }
    }, config.blockEveryMs);
  }

  if (config.wsEnabled) startFeed(); else startPolling();
})();
