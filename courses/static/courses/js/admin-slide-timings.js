// Slide times in the admin: "This slide starts now" writes the video's current time into the
// next slide's field and moves on, so a trainer can time a whole lecture in one playback.
(function () {
    "use strict";

    var form = document.querySelector("[data-slide-timings]");
    if (!form) { return; }
    var video = form.querySelector("[data-timing-video]");
    var rows = Array.prototype.slice.call(form.querySelectorAll("[data-timing-row]"));
    var label = form.querySelector("[data-timing-armed-label]");
    var armed = 0;

    function clock(seconds) {
        var tenths = Math.round(seconds * 10), whole = Math.floor(tenths / 10), rest = tenths % 10;
        var h = Math.floor(whole / 3600), m = Math.floor(whole / 60) % 60, s = String(whole % 60).padStart(2, "0");
        var text = h ? h + ":" + String(m).padStart(2, "0") + ":" + s : m + ":" + s;
        return rest ? text + "." + rest : text;
    }

    function parse(text) {
        var parts = String(text).trim().replace(",", ".").split(":").map(Number);
        if (!text.trim() || parts.some(isNaN)) { return null; }
        return parts.reduce(function (total, part) { return total * 60 + part; }, 0);
    }

    function input(row) { return row.querySelector("input"); }

    function arm(index) {
        armed = index;
        rows.forEach(function (row, i) { row.classList.toggle("is-armed", i === index); });
        if (index < rows.length) {
            label.textContent = form.dataset.armedTemplate.replace("{n}", rows[index].dataset.timingRow);
        } else {
            label.textContent = form.dataset.doneLabel;
        }
    }

    function mark(index) {
        if (index >= rows.length) { return; }
        input(rows[index]).value = clock(video.currentTime);
        input(rows[index]).removeAttribute("aria-invalid");
        arm(index + 1);
    }

    // The video opens on the first slide: pressed with slide 1 still untimed (after "Clear
    // all"), "This slide starts now" means the second slide, and slide 1 starts at 0:00 rather
    // than at the press, which left the video's first seconds without a slide.
    function markNext() {
        if (armed === 0 && rows.length > 1 && !input(rows[0]).value.trim()) {
            input(rows[0]).value = clock(0);
            arm(1);
        }
        mark(armed);
    }

    form.querySelector("[data-timing-now]").addEventListener("click", markNext);
    rows.forEach(function (row, index) {
        row.querySelector("[data-timing-set]").addEventListener("click", function () { mark(index); });
        row.querySelector("[data-timing-seek]").addEventListener("click", function () {
            var at = parse(input(row).value);
            if (at !== null) { video.currentTime = at; video.play().catch(function () {}); }
            arm(index + 1);
        });
        input(row).addEventListener("focus", function () { arm(index); });
    });
    form.querySelector("[data-timing-clear]").addEventListener("click", function () {
        rows.forEach(function (row) { input(row).value = ""; });
        arm(0);
    });
    video.addEventListener("keydown", function (event) {
        if (event.key === "n" || event.key === "N") { event.preventDefault(); markNext(); }
    });

    // Start at the first slide still without a time.
    var first = rows.findIndex(function (row) { return !input(row).value.trim(); });
    arm(first < 0 ? rows.length : first);
})();
