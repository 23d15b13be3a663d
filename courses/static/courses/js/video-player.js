// Lecture video player: speed, quality, keyboard control, chapters, and resume from the
// position stored on the server (so it works across devices).
(function () {
    "use strict";

    // play() rejects when a pause (or a new source) interrupts it: expected, not an error.
    function playSafely(video) {
        var promise = video.play();
        if (promise && promise.catch) { promise.catch(function () {}); }
    }

    // The member's own choice of quality, kept for the next video (per browser).
    var QUALITY_KEY = "elearn.videoQuality";
    function storedQuality() {
        try { return window.localStorage.getItem(QUALITY_KEY); } catch (error) { return null; }
    }

    // Before anything plays: the smallest rendition that fills the player on this screen
    // (a phone, or the video beside the slides, needs no more than the 480p one made for
    // slow links), or the height the member chose last time. The first source is the largest.
    function chooseQuality(video, quality) {
        var sources = Array.prototype.slice.call(video.querySelectorAll("source[data-height]"));
        if (sources.length < 2) { return; }
        var chosen = null, wanted = Number(storedQuality());
        if (wanted) {
            chosen = sources.filter(function (source) { return Number(source.dataset.height) === wanted; })[0] || null;
        }
        if (!chosen && !video.clientWidth) { return; }  // not laid out: keep the browser's pick
        if (!chosen) {
            var ratio = (Number(video.getAttribute("width")) / Number(video.getAttribute("height"))) || 16 / 9;
            var needed = video.clientWidth / ratio * (window.devicePixelRatio || 1);
            var fitting = sources.filter(function (source) { return Number(source.dataset.height) >= needed; });
            chosen = fitting.length ? fitting[fitting.length - 1] : sources[0];
        }
        if (chosen !== sources[0]) {
            video.src = chosen.getAttribute("src");
            quality.value = chosen.getAttribute("src");
        }
    }

    function init(player) {
        var video = player.querySelector("[data-video]");
        var speed = player.querySelector("[data-video-speed]");
        var quality = player.querySelector("[data-video-quality]");
        var positionUrl = player.dataset.positionUrl;
        var lastSaved = 0;

        if (quality) { chooseQuality(video, quality); }

        function save() {
            if (!positionUrl || !video.duration) { return; }
            lastSaved = video.currentTime;
            window.elearnPostJson(positionUrl, { position: video.currentTime }).catch(function () {});
        }

        // A search hit links to the moment a caption is said: lecture/#t=83.
        var linked = /[#&]t=(\d+(?:\.\d+)?)/.exec(window.location.hash);
        if (linked) {
            var seek = function () { video.currentTime = Number(linked[1]); };
            if (video.readyState >= 1) { seek(); } else { video.addEventListener("loadedmetadata", seek, { once: true }); }
            player.scrollIntoView();
        }

        if (positionUrl) {
            // The lecture page says where the member stopped; elsewhere the player asks.
            var saved = player.dataset.resumeAt !== undefined
                ? Promise.resolve({ position: Number(player.dataset.resumeAt) })
                : fetch(positionUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; });
            saved.then(function (data) {
                // A link to a moment wins over the saved position, this time.
                if (!data || !data.position || linked) { return; }
                var resume = function () {
                    // Near the end means finished: start again rather than at the credits.
                    if (data.position < video.duration - 5) { video.currentTime = data.position; }
                };
                if (video.readyState >= 1) { resume(); } else { video.addEventListener("loadedmetadata", resume, { once: true }); }
            });
            // In a lesson whose progress is reported, progress.js sends the position with its
            // reports (every 10 s, and on pause, end and page hide); elsewhere the player saves
            // it as it goes.
            if (!player.closest("[data-progress-url]")) {
                video.addEventListener("timeupdate", function () { if (Math.abs(video.currentTime - lastSaved) >= 10) { save(); } });
                video.addEventListener("pause", save);
                video.addEventListener("ended", save);
                document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { save(); } });
            }
        }

        speed.addEventListener("change", function () { video.playbackRate = Number(speed.value); });
        if (quality) {
            quality.addEventListener("change", function () {
                var at = video.currentTime, playing = !video.paused, rate = video.playbackRate;
                var option = quality.options[quality.selectedIndex];
                try { window.localStorage.setItem(QUALITY_KEY, option.dataset.height); } catch (error) { /* private mode */ }
                video.src = quality.value;
                video.addEventListener("loadedmetadata", function () {
                    video.currentTime = at;
                    video.playbackRate = rate;
                    if (playing) { playSafely(video); }
                }, { once: true });
            });
        }
        player.querySelectorAll("[data-seek]").forEach(function (button) {
            button.addEventListener("click", function () { video.currentTime = Number(button.dataset.seek); playSafely(video); });
        });

        initTimeline(player, video);

        // C: captions off if any are on (remembering which), else back on in that language.
        var lastCaptions = null;
        function toggleCaptions() {
            var tracks = Array.prototype.filter.call(video.textTracks, function (track) {
                return track.kind === "captions" || track.kind === "subtitles";
            });
            var showing = tracks.filter(function (track) { return track.mode === "showing"; });
            if (showing.length) {
                lastCaptions = showing[0];
                showing.forEach(function (track) { track.mode = "disabled"; });
            } else if (tracks.length) {
                (lastCaptions || tracks[0]).mode = "showing";
            }
        }

        function setSpeed(step) {
            var options = Array.prototype.map.call(speed.options, function (o) { return o.value; });
            var i = Math.min(options.length - 1, Math.max(0, options.indexOf(speed.value) + step));
            speed.value = options[i];
            video.playbackRate = Number(speed.value);
        }

        player.addEventListener("keydown", function (event) {
            var tag = (event.target.tagName || "").toLowerCase();
            if (tag === "select" || tag === "input" || event.ctrlKey || event.metaKey || event.altKey) { return; }
            // Space on the video (focus is on its native controls) is the browser's own:
            // toggling here as well would play and pause again at once.
            var nativeKey = tag === "button" || (event.key === " " && tag === "video");
            var handled = true;
            switch (event.key) {
                case " ": case "k": case "K": if (nativeKey) { handled = false; break; } if (video.paused) { playSafely(video); } else { video.pause(); } break;
                case "ArrowLeft": video.currentTime = Math.max(0, video.currentTime - 5); break;
                case "ArrowRight": video.currentTime = Math.min(video.duration || 0, video.currentTime + 5); break;
                case "j": case "J": video.currentTime = Math.max(0, video.currentTime - 10); break;
                case "l": case "L": video.currentTime = Math.min(video.duration || 0, video.currentTime + 10); break;
                case "<": setSpeed(-1); break;
                case ">": setSpeed(1); break;
                case "c": case "C": toggleCaptions(); break;
                case "f": case "F": if (document.fullscreenElement) { document.exitFullscreen(); } else if (video.requestFullscreen) { video.requestFullscreen(); } break;
                default: handled = false;
            }
            if (handled) { event.preventDefault(); event.stopPropagation(); }
        });
    }

    function clock(seconds) {
        var s = Math.max(0, Math.floor(seconds)), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
        var ss = String(s % 60).padStart(2, "0");
        return h ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
    }

    // WebVTT storyboard: "00:00:05.000 --> 00:00:10.000" then "sprite-0.jpg#xywh=160,0,160,90".
    function parseStoryboard(text, base) {
        var toSeconds = function (t) {
            var parts = t.trim().split(":").map(Number);
            return parts.reduce(function (total, part) { return total * 60 + part; }, 0);
        };
        var cues = [];
        text.replace(/\r/g, "").split(/\n\n+/).forEach(function (block) {
            var lines = block.split("\n");
            var i = lines.findIndex(function (line) { return line.indexOf("-->") >= 0; });
            if (i < 0 || !lines[i + 1]) { return; }
            var span = lines[i].split("-->");
            var ref = new URL(lines[i + 1].trim(), base);
            var box = /xywh=(\d+),(\d+),(\d+),(\d+)/.exec(ref.hash);
            if (!box) { return; }
            ref.hash = "";
            cues.push({ start: toSeconds(span[0]), end: toSeconds(span[1].trim().split(/\s+/)[0]), url: ref.href,
                x: Number(box[1]), y: Number(box[2]), w: Number(box[3]), h: Number(box[4]) });
        });
        return cues;
    }

    // A seek bar under the video with chapter marks and, on hover, the storyboard frame and
    // chapter at that moment (native controls show neither).
    function initTimeline(player, video) {
        var timeline = player.querySelector("[data-video-timeline]");
        if (!timeline) { return; }
        var seek = timeline.querySelector("[data-video-seek]");
        var marks = timeline.querySelector("[data-video-marks]");
        var preview = timeline.querySelector("[data-video-preview]");
        var thumb = timeline.querySelector("[data-video-preview-thumb]");
        var previewTime = timeline.querySelector("[data-video-preview-time]");
        var previewTitle = timeline.querySelector("[data-video-preview-title]");
        var chapters = Array.prototype.map.call(player.querySelectorAll("[data-seek]"), function (button) {
            var label = button.cloneNode(true);
            var muted = label.querySelector(".muted");
            if (muted) { muted.remove(); }
            return { start: Number(button.dataset.seek), title: label.textContent.trim() };
        });
        var cues = [];
        var seeking = false;
        timeline.hidden = false;

        function duration() { return video.duration || Number(seek.max) || 0; }

        function drawMarks() {
            marks.innerHTML = "";
            if (!duration()) { return; }
            chapters.forEach(function (chapter) {
                if (chapter.start <= 0) { return; }
                var mark = document.createElement("span");
                mark.style.left = (100 * chapter.start / duration()) + "%";
                marks.appendChild(mark);
            });
        }

        // Screen readers say "0:05 of 0:39", not the slider's bare number of seconds.
        var valueText = seek.dataset.valuetextTemplate || "{time} / {total}";
        function played() {
            var share = duration() ? 100 * video.currentTime / duration() : 0;
            seek.style.setProperty("--played", share + "%");
            seek.setAttribute("aria-valuetext", valueText.replace("{time}", clock(video.currentTime)).replace("{total}", clock(duration())));
        }

        video.addEventListener("loadedmetadata", function () { seek.max = video.duration; drawMarks(); played(); });
        video.addEventListener("timeupdate", function () { if (!seeking) { seek.value = video.currentTime; } played(); });
        seek.addEventListener("pointerdown", function () { seeking = true; });
        seek.addEventListener("pointerup", function () { seeking = false; });
        seek.addEventListener("input", function () { video.currentTime = Number(seek.value); played(); });
        seek.addEventListener("change", function () { seeking = false; });
        drawMarks();

        if (seek.dataset.storyboard) {
            var base = new URL(seek.dataset.storyboard, window.location.href);
            fetch(base, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : ""; })
                .then(function (text) { cues = parseStoryboard(text, base); }).catch(function () {});
        }

        seek.addEventListener("pointermove", function (event) {
            var box = seek.getBoundingClientRect();
            var share = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
            var at = share * duration();
            var cue = cues.find(function (c) { return at >= c.start && at < c.end; }) || cues[cues.length - 1];
            var chapter = null;
            chapters.forEach(function (c) { if (c.start <= at) { chapter = c; } });
            thumb.hidden = !cue;
            if (cue) {
                thumb.style.width = cue.w + "px";
                thumb.style.height = cue.h + "px";
                thumb.style.backgroundImage = "url(\"" + cue.url + "\")";
                thumb.style.backgroundPosition = (-cue.x) + "px " + (-cue.y) + "px";
            }
            previewTime.textContent = clock(at);
            previewTitle.textContent = chapter ? chapter.title : "";
            preview.hidden = false;
            var width = preview.offsetWidth;
            var left = Math.min(box.width - width, Math.max(0, share * box.width - width / 2));
            preview.style.left = left + "px";
        });
        seek.addEventListener("pointerleave", function () { preview.hidden = true; });
    }

    document.querySelectorAll("[data-video-player]").forEach(init);
})();
