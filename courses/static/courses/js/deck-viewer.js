// Deck viewer: steps through slides without reloading, keeps the address bar on the slide's
// own page, and works with the keyboard. Without JavaScript every control is a plain link.
(function () {
    "use strict";

    function format(template, values) {
        return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
    }

    function init(viewer) {
        var dataNode = document.getElementById("deck-data");
        if (!dataNode) { return; }
        var slides = JSON.parse(dataNode.textContent);
        if (!slides.length) { return; }
        var stage = viewer.querySelector(".deck-stage");
        var counter = viewer.querySelector("[data-deck-counter]");
        var notes = viewer.querySelector("[data-deck-notes]");
        var notesText = viewer.querySelector("[data-deck-notes-text]");
        var notesToggle = viewer.querySelector("[data-deck-notes-toggle]");
        var fullscreen = viewer.querySelector("[data-deck-fullscreen]");
        var thumbs = viewer.querySelectorAll("[data-deck-thumb]");
        var current = Math.max(0, slides.findIndex(function (s) { return s.current; }));
        // Beside a video the page stays the lecture: slide addresses would lose the video.
        var keepHistory = viewer.dataset.history !== "off";

        function swapControl(selector, target, label) {
            var old = viewer.querySelector(selector);
            var node;
            if (target) {
                node = document.createElement("a");
                node.href = target.url;
            } else {
                node = document.createElement("span");
                node.setAttribute("aria-disabled", "true");
                node.className = "is-disabled";
            }
            node.className += " button button--ghost";
            node.setAttribute(selector.slice(1, -1), "");
            // The arrow and the word in its own span, which narrow screens hide (site.css).
            label.forEach(function (child) { node.appendChild(child.cloneNode(true)); });
            var hadFocus = old === document.activeElement;
            old.replaceWith(node);
            // Enter on Next must leave the keyboard user on Next, not at the top of the page.
            // At the first or last slide the control is a span: focusable by script only.
            if (hadFocus) {
                if (!target) { node.tabIndex = -1; }
                node.focus();
            }
            return node;
        }

        function render(index, push, source) {
            var slide = slides[index];
            current = index;
            var img = stage.querySelector("img.deck-stage__image");
            if (slide.src) {
                if (!img) {
                    stage.innerHTML = "";
                    img = document.createElement("img");
                    img.className = "deck-stage__image";
                    img.sizes = "(min-width: 72rem) 70rem, 100vw";
                    stage.appendChild(img);
                }
                img.src = slide.src;
                img.srcset = slide.srcset;
                if (slide.width) { img.width = slide.width; img.height = slide.height; }
                img.alt = format(viewer.dataset.altTemplate, { n: slide.number, title: slide.title });
            } else {
                stage.innerHTML = "";
                var box = document.createElement("div");
                box.className = "deck-stage__text";
                var title = document.createElement("p");
                title.className = "deck-stage__title";
                title.textContent = slide.title;
                box.appendChild(title);
                slide.lines.forEach(function (line) {
                    var p = document.createElement("p");
                    p.textContent = line;
                    box.appendChild(p);
                });
                stage.appendChild(box);
            }
            var badge = stage.querySelector(".deck-stage__badge");
            if (badge) { badge.remove(); }
            if (slide.hidden && viewer.dataset.hiddenLabel) {
                var mark = document.createElement("span");
                mark.className = "badge deck-stage__badge";
                mark.textContent = viewer.dataset.hiddenLabel;
                stage.appendChild(mark);
            }
            // After a hidden slide the deck's own numbers (thumbnails, links, alt text) run
            // ahead of the position: the counter names both.
            var counterTemplate = slide.number === index + 1 ? viewer.dataset.counterTemplate
                : viewer.dataset.counterNumberedTemplate;
            counter.textContent = format(counterTemplate, { number: slide.number, n: index + 1, m: slides.length });
            notesText.textContent = slide.notes || "";
            var prevLabel = Array.prototype.slice.call(viewer.querySelector("[data-deck-prev]").childNodes);
            var nextLabel = Array.prototype.slice.call(viewer.querySelector("[data-deck-next]").childNodes);
            swapControl("[data-deck-prev]", slides[index - 1], prevLabel);
            swapControl("[data-deck-next]", slides[index + 1], nextLabel);
            thumbs.forEach(function (thumb, i) {
                if (i === index) {
                    thumb.setAttribute("aria-current", "page");
                    // Scroll the strip sideways only; scrollIntoView would move the page too.
                    var strip = thumb.closest(".deck-strip");
                    // Measured against the strip itself: offsetLeft counts from whatever ancestor is positioned.
                    var offset = thumb.getBoundingClientRect().left - strip.getBoundingClientRect().left + strip.scrollLeft;
                    strip.scrollTo({ left: offset - strip.clientWidth / 2 + thumb.clientWidth / 2, behavior: "smooth" });
                } else {
                    thumb.removeAttribute("aria-current");
                }
            });
            if (push && keepHistory) { history.pushState({ deckIndex: index }, "", slide.url); }
            // "user": the member chose this slide (a video in step seeks to it); "video": it follows playback.
            document.dispatchEvent(new CustomEvent("elearn:slide", { detail: { number: slide.number, source: source || "user" } }));
        }

        // A slide's own page (its heading and text are that slide's) goes to the next slide's
        // page, at the viewer, rather than showing another slide under this one's heading.
        var navigate = viewer.dataset.history === "navigate";

        function go(index) {
            if (index < 0 || index >= slides.length || index === current) { return; }
            if (navigate) { window.location.assign(slides[index].url + "#deck"); return; }
            render(index, true);
        }

        viewer.addEventListener("click", function (event) {
            var link = event.target.closest("a");
            if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
            if (link.hasAttribute("data-deck-prev")) { event.preventDefault(); go(current - 1); }
            else if (link.hasAttribute("data-deck-next")) { event.preventDefault(); go(current + 1); }
            else if (link.hasAttribute("data-deck-thumb")) { event.preventDefault(); go(Number(link.dataset.deckThumb)); }
        });

        document.addEventListener("keydown", function (event) {
            var tag = (event.target.tagName || "").toLowerCase();
            if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) { return; }
            if (event.altKey || event.ctrlKey || event.metaKey) { return; }
            if (event.target.closest && event.target.closest("[data-video-player]")) { return; }  // the player's own keys
            var keys = { ArrowLeft: current - 1, ArrowRight: current + 1, PageUp: current - 1, PageDown: current + 1, Home: 0, End: slides.length - 1 };
            if (event.key in keys) { event.preventDefault(); go(keys[event.key]); }
        });

        // A video in step asks for the slide being talked about.
        document.addEventListener("elearn:show-slide", function (event) {
            var index = slides.findIndex(function (s) { return s.number === event.detail.number; });
            if (index >= 0 && index !== current) { render(index, false, "video"); }
        });

        window.addEventListener("popstate", function (event) {
            if (event.state && typeof event.state.deckIndex === "number") { render(event.state.deckIndex, false, "history"); }
        });
        history.replaceState({ deckIndex: current }, "", window.location.href);

        notesToggle.hidden = false;
        notes.hidden = true;
        notesToggle.addEventListener("click", function () {
            var open = notesToggle.getAttribute("aria-expanded") === "true";
            notesToggle.setAttribute("aria-expanded", String(!open));
            notes.hidden = open;
        });

        if (viewer.requestFullscreen) {
            fullscreen.hidden = false;
            fullscreen.addEventListener("click", function () {
                if (document.fullscreenElement) { document.exitFullscreen(); } else { viewer.requestFullscreen(); }
            });
        }
    }

    document.querySelectorAll("[data-deck-viewer]").forEach(init);
})();
