// Lecture video player: speed, quality, keyboard control, chapters, and resume from the
// position stored on the server (so it works across devices).
(function () {
    "use strict";

    function csrfToken() {
        var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : "";
    }

    function init(player) {
        var video = player.querySelector("[data-video]");
        var speed = player.querySelector("[data-video-speed]");
        var quality = player.querySelector("[data-video-quality]");
        var positionUrl = player.dataset.positionUrl;
        var lastSaved = 0;

        function save() {
            if (!positionUrl || !video.duration) { return; }
            var body = JSON.stringify({ position: video.currentTime });
            lastSaved = video.currentTime;
            fetch(positionUrl, { method: "POST", body: body, credentials: "same-origin", keepalive: true,
                headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() } }).catch(function () {});
        }

        // A search hit links to the moment a caption is said: lecture/#t=83.
        var linked = /[#&]t=(\d+(?:\.\d+)?)/.exec(window.location.hash);
        if (linked) {
            var seek = function () { video.currentTime = Number(linked[1]); };
            if (video.readyState >= 1) { seek(); } else { video.addEventListener("loadedmetadata", seek, { once: true }); }
            player.scrollIntoView();
        }

        if (positionUrl) {
            fetch(positionUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
                // A link to a moment wins over the saved position, this time.
                if (!data || !data.position || linked) { return; }
                var resume = function () {
                    // Near the end means finished: start again rather than at the credits.
                    if (data.position < video.duration - 5) { video.currentTime = data.position; }
                };
                if (video.readyState >= 1) { resume(); } else { video.addEventListener("loadedmetadata", resume, { once: true }); }
            });
            video.addEventListener("timeupdate", function () { if (Math.abs(video.currentTime - lastSaved) >= 10) { save(); } });
            video.addEventListener("pause", save);
            video.addEventListener("ended", save);
            document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { save(); } });
        }

        speed.addEventListener("change", function () { video.playbackRate = Number(speed.value); });
        if (quality) {
            quality.addEventListener("change", function () {
                var at = video.currentTime, playing = !video.paused, rate = video.playbackRate;
                video.src = quality.value;
                video.addEventListener("loadedmetadata", function () {
                    video.currentTime = at;
                    video.playbackRate = rate;
                    if (playing) { video.play(); }
                }, { once: true });
            });
        }
        player.querySelectorAll("[data-seek]").forEach(function (button) {
            button.addEventListener("click", function () { video.currentTime = Number(button.dataset.seek); video.play(); });
        });

        function setSpeed(step) {
            var options = Array.prototype.map.call(speed.options, function (o) { return o.value; });
            var i = Math.min(options.length - 1, Math.max(0, options.indexOf(speed.value) + step));
            speed.value = options[i];
            video.playbackRate = Number(speed.value);
        }

        player.addEventListener("keydown", function (event) {
            var tag = (event.target.tagName || "").toLowerCase();
            if (tag === "select" || tag === "input" || event.ctrlKey || event.metaKey || event.altKey) { return; }
            var handled = true;
            switch (event.key) {
                case " ": case "k": case "K": if (tag === "button") { handled = false; break; } if (video.paused) { video.play(); } else { video.pause(); } break;
                case "ArrowLeft": video.currentTime = Math.max(0, video.currentTime - 5); break;
                case "ArrowRight": video.currentTime = Math.min(video.duration || 0, video.currentTime + 5); break;
                case "j": case "J": video.currentTime = Math.max(0, video.currentTime - 10); break;
                case "l": case "L": video.currentTime = Math.min(video.duration || 0, video.currentTime + 10); break;
                case "<": setSpeed(-1); break;
                case ">": setSpeed(1); break;
                case "c": case "C":
                    Array.prototype.forEach.call(video.textTracks, function (track) {
                        if (track.kind === "captions" || track.kind === "subtitles") { track.mode = track.mode === "showing" ? "hidden" : "showing"; }
                    });
                    break;
                case "f": case "F": if (document.fullscreenElement) { document.exitFullscreen(); } else if (video.requestFullscreen) { video.requestFullscreen(); } break;
                default: handled = false;
            }
            if (handled) { event.preventDefault(); event.stopPropagation(); }
        });
    }

    document.querySelectorAll("[data-video-player]").forEach(init);
})();
