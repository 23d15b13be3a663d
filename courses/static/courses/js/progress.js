// Honest progress: reports what the member really watched (segments of media time, so
// seeking earns nothing and 2× counts media seconds), which slides stayed on screen for 2 s
// (ELEARN_SLIDE_SECONDS), and how long an article was read and whether its end was reached.
// Reports go every 10 s and when the video pauses or ends and when the page is hidden
// (post-json.js). A report also carries where
// the player is whenever that moved (played, or sought while paused): the position it resumes
// from, saved by no other request in a lesson (video-player.js leaves it to this script).
(function () {
    "use strict";

    var root = document.querySelector("[data-progress-url]");
    if (!root) { return; }
    var url = root.dataset.progressUrl;
    var stateNode = document.querySelector("[data-progress-state]");
    var pending = { segments: [], slides: [], reading: 0, end: false, done: false };
    var SLIDE_SECONDS = Number(root.dataset.slideSeconds || 2);

    function show(answer) {
        if (!stateNode || !answer) { return; }
        stateNode.dataset.state = answer.state;
        // Just opened, nothing counted yet: "Started", not "In progress: 0%".
        stateNode.textContent = answer.state === "done" ? stateNode.dataset.doneLabel
            : answer.percent ? stateNode.dataset.progressTemplate.replace("{percent}", answer.percent)
            : stateNode.dataset.startedLabel;
        if (answer.state === "done") { markedDone(); }
        if (answer.course_complete) { courseComplete(answer.certificate_url); }
    }

    // Where the member pressed "Mark as done" (the end of an article), the button gives way
    // to the lesson's state, so the answer is seen where the question was asked.
    var doneNote = null;  // what took the button's place; the completion notice follows it
    function markedDone() {
        if (!doneButton || doneNote) { return; }
        doneNote = document.createElement("p");
        doneNote.className = "lesson-progress";
        doneNote.dataset.state = "done";
        doneNote.textContent = stateNode.dataset.doneLabel;
        doneButton.replaceWith(doneNote);
    }

    function courseComplete(certificateUrl) {
        var notice = document.querySelector("[data-course-complete]");
        if (!notice || !notice.hidden) { return; }
        var link = notice.querySelector("[data-certificate-link]");
        if (link && certificateUrl) { link.href = certificateUrl; link.hidden = false; }
        if (doneNote) { doneNote.after(notice); }
        notice.hidden = false;
    }

    var video = root.querySelector("[data-video]");
    var segStart = null, last = null;
    // The position the server holds (the page says where the player resumes), or null.
    var resumeAt = video && video.closest("[data-resume-at]");
    var sentPosition = resumeAt ? Number(resumeAt.dataset.resumeAt) : null;
    function closeSegment(end) {
        if (segStart !== null && end > segStart + 0.05) { pending.segments.push([segStart, end]); }
        segStart = null;
    }

    var sent = 0, answered = 0;  // reports sent, and the latest whose answer is shown
    function flush() {
        if (video && !video.paused && segStart !== null) {
            closeSegment(video.currentTime);
            segStart = last = video.currentTime;
        }
        var body = {};
        if (pending.segments.length) { body.segments = pending.segments; }
        var at = video ? video.currentTime : NaN;
        if (isFinite(at) && (sentPosition === null ? at > 0 : Math.abs(at - sentPosition) >= 0.5)) {
            body.position = sentPosition = at;
        }
        if (pending.slides.length) { body.slides = pending.slides; }
        if (pending.reading >= 1) { body.reading_seconds = Math.round(pending.reading); }
        if (pending.end) { body.reached_end = true; }
        if (pending.done) { body.done = true; }
        if (!Object.keys(body).length) { return; }
        pending = { segments: [], slides: [], reading: 0, end: false, done: false };
        var seq = ++sent;
        window.elearnPostJson(url, body)
            .then(function (r) {
                // Answers may come back out of order (a slide reported at once while the
                // last one is under way): an older one does not undo a newer state.
                if (r.ok) {
                    retryDelay = 0;
                    return r.json().then(function (answer) {
                        if (seq > answered) { answered = seq; show(answer); }
                    });
                }
                // Busy or down: keep the report and try again. Other refusals (not enrolled,
                // a bad report) would be refused again, so they are dropped.
                if (r.status === 429 || r.status >= 500) { throw new Error("retry"); }
                if (body.done && doneButton) { doneButton.disabled = false; }  // press it again
                return null;
            })
            .catch(function () { requeue(body); });
    }

    // A report that did not arrive (network down, server restarting) goes back into the
    // queue and is sent again after 2, 4, 8… up to 60 s; merging is idempotent server-side,
    // so a report that arrived but whose answer was lost does no harm when sent twice.
    var retryDelay = 0, retryTimer = null;
    function requeue(body) {
        if (body.segments) { pending.segments = body.segments.concat(pending.segments); }
        if (body.position !== undefined) { sentPosition = null; }  // the next report sends it
        if (body.slides) { pending.slides = body.slides.concat(pending.slides); }
        if (body.reading_seconds) { pending.reading += body.reading_seconds; }
        if (body.reached_end) { pending.end = true; }
        if (body.done) { pending.done = true; }
        retryDelay = Math.min(retryDelay ? retryDelay * 2 : 2000, 60000);
        if (!retryTimer) {
            retryTimer = setTimeout(function () { retryTimer = null; flush(); }, retryDelay);
        }
    }

    if (video) {
        // A jump (seek, or a quality switch reloading the source) ends the segment.
        function jumped(now) { return now < last || now - last > 1.5 * Math.max(1, video.playbackRate); }
        // "playing" also comes after a stall (waiting for data) with no pause between: the
        // segment under way goes on, it is not started again from here.
        video.addEventListener("playing", function () {
            var now = video.currentTime;
            if (segStart !== null && !jumped(now)) { last = now; return; }
            if (segStart !== null) { closeSegment(last); }
            segStart = last = now;
        });
        video.addEventListener("timeupdate", function () {
            if (segStart === null || video.paused) { return; }
            var now = video.currentTime;
            if (jumped(now)) {
                closeSegment(last);
                segStart = now;
            }
            last = now;
        });
        video.addEventListener("seeking", function () { closeSegment(last === null ? video.currentTime : last); });
        video.addEventListener("seeked", function () { if (!video.paused) { segStart = last = video.currentTime; } });
        video.addEventListener("pause", function () { closeSegment(video.currentTime); flush(); });
        video.addEventListener("ended", function () { closeSegment(video.currentTime); flush(); });
    }

    // Slides count as seen after SLIDE_SECONDS on screen.
    var slideTimer = null;
    function onSlide(number) {
        window.clearTimeout(slideTimer);
        // Sent at once: the member stepping through sees their progress move with each slide
        // (at most one report per SLIDE_SECONDS), not every 10 s.
        slideTimer = window.setTimeout(function () { pending.slides.push(number); flush(); }, SLIDE_SECONDS * 1000);
    }
    var deckData = document.getElementById("deck-data");
    if (deckData) {
        var slides = JSON.parse(deckData.textContent);
        var current = slides.find(function (s) { return s.current; }) || slides[0];
        if (current) { onSlide(current.number); }
        document.addEventListener("elearn:slide", function (event) { onSlide(event.detail.number); });
    }

    // Reading: time while the page is visible, and whether the end was reached.
    var tick = Date.now();
    function countReading() {
        var now = Date.now();
        if (document.visibilityState === "visible") { pending.reading += Math.min(15, (now - tick) / 1000); }
        tick = now;
    }
    var end = root.querySelector("[data-lesson-end]");
    if (end && "IntersectionObserver" in window) {
        new IntersectionObserver(function (entries, observer) {
            if (entries.some(function (e) { return e.isIntersecting; })) {
                pending.end = true;
                observer.disconnect();
            }
        }).observe(end);
    }
    var doneButton = root.querySelector("[data-mark-done]");
    if (doneButton) {
        doneButton.addEventListener("click", function () { pending.done = true; countReading(); flush(); doneButton.disabled = true; });
    }

    window.setInterval(function () { countReading(); flush(); }, 10000);
    document.addEventListener("visibilitychange", function () {
        countReading();
        if (document.visibilityState === "hidden") { flush(); }
    });
    window.addEventListener("pagehide", function () { countReading(); flush(); });
})();
