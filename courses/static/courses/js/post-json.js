// POST JSON to the site's own API with Django's CSRF token, kept alive: a report sent as the
// page is hidden still arrives (fetch keepalive, unlike sendBeacon, can carry the CSRF header).
// Shared by progress.js and video-player.js; loaded before them.
(function () {
    "use strict";

    function csrfToken() {
        var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : "";
    }

    window.elearnPostJson = function (url, data) {
        return fetch(url, { method: "POST", credentials: "same-origin", keepalive: true, body: JSON.stringify(data),
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() } });
    };
})();
