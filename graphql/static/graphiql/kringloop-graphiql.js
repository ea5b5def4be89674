// Starts GraphiQL on this page: queries go to POST /graphql, subscriptions to the
// WebSocket at /graphql/ws, both on the page's own origin (served by kringloop; no CDN).
(function () {
  "use strict";
  function url(pad, websocket) {
    var u = new URL(pad, window.location.origin);
    if (websocket) {
      u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    }
    return u.toString();
  }
  var fetcher = GraphiQL.createFetcher({
    url: url("/graphql", false),
    subscriptionUrl: url("/graphql/ws", true),
    fetch: function (adres, opties) {
      return fetch(adres, Object.assign({}, opties, { credentials: "same-origin" }));
    },
  });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
    })
  );
})();
