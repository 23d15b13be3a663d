// Keeps the status of decks and videos on an admin page current while they convert: asks the
// server for each unfinished item's fragment (live_status.html) and swaps it in. A listing
// reloads once an item finishes, for its other columns (slides, duration, size) change too.
(function () {
    "use strict";

    // "gone": deleted, or not the user's to see; the server no longer answers for it.
    var DONE = ["ready", "failed", "gone"];
    var QUICK = 2000;
    var delay = QUICK;

    function unfinished() {
        return Array.prototype.filter.call(document.querySelectorAll("[data-conversion-live]"), function (el) {
            return DONE.indexOf(el.dataset.status) === -1;
        });
    }

    function later() {
        window.setTimeout(poll, delay);
    }

    function poll() {
        var live = unfinished();
        if (!live.length) { return; }
        if (document.hidden) {
            // No requests from a tab nobody looks at; pick up again when it is shown.
            document.addEventListener("visibilitychange", poll, { once: true });
            return;
        }
        var query = new URLSearchParams();
        live.forEach(function (el) { query.append(el.dataset.view, el.dataset.conversionLive); });
        fetch(live[0].dataset.url + "?" + query.toString(), {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
        }).then(function (response) {
            if (!response.ok) { throw new Error(response.status); }
            return response.json();
        }).then(function (data) {
            var finished = false;
            var changed = false;
            live.forEach(function (el) {
                var item = data.items[el.dataset.view + ":" + el.dataset.conversionLive];
                if (!item) {
                    el.dataset.status = "gone";
                    return;
                }
                var progress = item.progress === null ? "" : String(item.progress);
                if (item.status === el.dataset.status && progress === el.dataset.progress) { return; }
                changed = true;
                // Rendered and escaped by the server, as the page itself was.
                var fresh = document.createElement("template");
                fresh.innerHTML = item.html.trim();
                el.replaceWith(fresh.content);
                if (item.done && el.dataset.view === "cell") { finished = true; }
            });
            if (finished) {
                window.location.reload();
                return;
            }
            // A queue with no worker yet, or a long transcode: ask less often while nothing moves.
            delay = changed ? QUICK : Math.min(delay * 1.5, 15000);
            later();
        }).catch(function () {
            // Server busy or offline: ask less often, up to once every 30 s.
            delay = Math.min(delay * 2, 30000);
            later();
        });
    }

    later();
})();
