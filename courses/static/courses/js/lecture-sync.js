// Video and slides in step: the slide beside the video follows playback, choosing a slide
// seeks the video to where it starts, and the chapter being played is marked. The deck viewer
// and the player stay independent; they talk through two document events.
(function () {
    "use strict";

    var sync = document.querySelector("[data-lecture-sync]");
    var data = document.getElementById("slide-times");
    if (!sync || !data) { return; }
    var video = sync.querySelector("[data-video]");
    var times = JSON.parse(data.textContent).sort(function (a, b) { return a.start - b.start; });
    var chapterButtons = sync.querySelectorAll("[data-chapter-slide]");
    var videoSlide = null;

    function slideAt(seconds) {
        var number = null;
        for (var i = 0; i < times.length && times[i].start <= seconds + 0.05; i++) { number = times[i].number; }
        return number;
    }

    function markChapter(number) {
        chapterButtons.forEach(function (button) {
            if (Number(button.dataset.chapterSlide) === number) { button.setAttribute("aria-current", "true"); }
            else { button.removeAttribute("aria-current"); }
        });
    }

    // Only a change of the video's slide moves the deck, so a member can look at another slide
    // while the video plays on, until the talk reaches the next one.
    function follow() {
        var number = slideAt(video.currentTime);
        if (number === null || number === videoSlide) { return; }
        videoSlide = number;
        markChapter(number);
        document.dispatchEvent(new CustomEvent("elearn:show-slide", { detail: { number: number } }));
    }

    ["timeupdate", "seeked", "loadedmetadata"].forEach(function (name) { video.addEventListener(name, follow); });

    document.addEventListener("elearn:slide", function (event) {
        if (event.detail.source !== "user") { return; }
        var timing = times.find(function (t) { return t.number === event.detail.number; });
        if (!timing) { return; }
        videoSlide = timing.number;
        markChapter(timing.number);
        video.currentTime = timing.start;
    });
})();
