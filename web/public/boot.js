// Runs before the app's bundle has arrived (index.html loads it first, from the same
// origin: no inline script). On /trace/{id} it asks for the trace at once, so the
// request travels while the bundle downloads and starts; trace/load.ts takes the answer
// (window.__weftBoot). Nothing here touches the page.
(function () {
  "use strict";
  if (window.__weftBoot !== undefined || typeof fetch !== "function" || typeof AbortController !== "function") return;
  var m = /^\/trace\/([^/]+)\/?$/.exec(location.pathname);
  if (!m) return;
  var id;
  try {
    id = decodeURIComponent(m[1]);
  } catch (e) {
    return;
  }
  if (id === "file") return;
  if (performance.mark) performance.mark("weft-boot:fetch");
  // "Raw times" (?adjust=false): the trace as stored, not corrected for clock skew.
  var adjust = !/(^|[?&])adjust=false(&|$)/.test(location.search);
  var abort = new AbortController();
  var response = fetch("/api/v1/traces/" + encodeURIComponent(id) + "?format=compact" + (adjust ? "" : "&adjust=false"), {
    signal: abort.signal,
    headers: { Accept: "application/json" },
  });
  response.catch(function () {}); // the app reports errors when it takes the answer
  window.__weftBoot = { traceId: id, adjust: adjust, response: response, abort: abort };
})();
