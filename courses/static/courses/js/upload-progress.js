// Upload progress in the admin: a form whose file input is marked [data-upload-progress] is
// sent in the background so the trainer sees how much of a large deck or video has gone up,
// and can cancel. Without JavaScript the form posts as usual. The same progress shows in the
// upload tab of the lecture editor's deck and video choosers.
(function () {
    "use strict";

    function size(bytes) {
        var units = ["B", "KB", "MB", "GB"], i = 0;
        while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
        return (i ? bytes.toFixed(1) : String(bytes)) + " " + units[i];
    }

    function format(template, values) {
        return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
    }

    function panel(input) {
        var box = document.createElement("div");
        box.className = "upload-progress";
        box.setAttribute("role", "status");
        box.innerHTML = '<progress max="100" value="0"></progress> <span></span> ' +
            '<button type="button" class="button button-small button-secondary"></button>';
        box.querySelector("button").textContent = input.dataset.uploadCancelLabel;
        input.insertAdjacentElement("afterend", box);
        return box;
    }

    // Shows under `input` how far `xhr` has sent its file, with a Cancel button if
    // `cancellable`; returns what to call when the upload fails.
    function track(xhr, form, input, cancellable) {
        var box = form.querySelector(".upload-progress") || panel(input);
        var bar = box.querySelector("progress");
        var text = box.querySelector("span");
        var cancel = box.querySelector("button");
        var started = Date.now();
        box.hidden = false;
        box.classList.remove("is-failed");
        cancel.hidden = !cancellable;
        cancel.onclick = function () { xhr.abort(); };

        xhr.upload.addEventListener("progress", function (e) {
            if (!e.lengthComputable) { return; }
            var percent = Math.floor(100 * e.loaded / e.total);
            var seconds = Math.max(0.001, (Date.now() - started) / 1000);
            bar.value = percent;
            text.textContent = format(input.dataset.uploadLabel, {
                percent: percent, done: size(e.loaded), total: size(e.total), speed: size(Math.round(e.loaded / seconds)),
            });
        });
        xhr.upload.addEventListener("load", function () {
            bar.value = 100;
            text.textContent = input.dataset.uploadDoneLabel;
            cancel.hidden = true;
        });
        return function failed() {
            text.textContent = input.dataset.uploadFailedLabel;
            box.classList.add("is-failed");
            cancel.hidden = true;
            form.querySelectorAll("[type=submit]").forEach(function (button) { button.disabled = false; button.removeAttribute("data-w-progress-loading-value"); });
        };
    }

    // An empty title takes the chosen file's name, as in Wagtail's image and document upload
    // forms ("Q3_sales-review.pptx" → "Q3 sales review"): a form sent without one came back
    // refused, and without the file, which the browser does not keep.
    function titleFromFile(input) {
        var title = input.form && input.form.querySelector("input[name=title]");
        if (!title || title.value.trim() || !input.files.length) { return; }
        title.value = input.files[0].name.replace(/\.[^.]*$/, "").replace(/[_-]+/g, " ").trim();
    }

    document.addEventListener("change", function (event) {
        var input = event.target;
        if (input.matches && input.matches("input[type=file][data-upload-progress]")) { titleFromFile(input); }
    });

    document.addEventListener("submit", function (event) {
        var form = event.target;
        var input = form.querySelector("input[type=file][data-upload-progress]");
        if (!input || !input.files.length || event.defaultPrevented || !window.FormData) { return; }
        event.preventDefault();
        titleFromFile(input);

        var data = new FormData(form);
        if (event.submitter && event.submitter.name) { data.append(event.submitter.name, event.submitter.value); }
        var xhr = new XMLHttpRequest();
        var failed = track(xhr, form, input, true);
        xhr.addEventListener("load", function () {
            if (xhr.status >= 500 || xhr.status === 413 || xhr.status === 0) { failed(); return; }
            // Saved: the server names the page its redirect would have opened
            // (courses.upload_progress.UploadRedirectMiddleware); opening it ourselves shows
            // the "created" message, which a redirect followed in the background used up.
            var next = xhr.getResponseHeader("X-Upload-Location");
            if (next) {
                window.location.assign(next);
                return;
            }
            // Not saved (the form has errors): show the page the server answered with.
            document.open();
            document.write(xhr.responseText);
            document.close();
        });
        xhr.addEventListener("error", failed);
        xhr.addEventListener("abort", failed);
        xhr.open("POST", form.action || window.location.href);
        xhr.setRequestHeader("X-Requested-With", "upload-progress");
        xhr.send(data);
    });

    // A chooser modal's upload tab (the lecture editor's deck and video choosers) is sent by
    // Wagtail's own script, which handles the answer: only watch that request's upload. Not
    // cancellable there: an aborted request reads as a server error in Wagtail's modal.
    if (window.jQuery) {
        window.jQuery.ajaxPrefilter(function (options) {
            if (!window.FormData || !(options.data instanceof FormData)) { return; }
            var form = Array.prototype.find.call(
                document.querySelectorAll("form[data-chooser-modal-creation-form]"),
                function (candidate) { return candidate.action === options.url; }
            );
            var input = form && form.querySelector("input[type=file][data-upload-progress]");
            if (!input || !input.files.length) { return; }
            options.xhr = function () {
                var xhr = window.jQuery.ajaxSettings.xhr();
                var failed = track(xhr, form, input, false);
                xhr.addEventListener("load", function () { if (xhr.status >= 500 || xhr.status === 413) { failed(); } });
                xhr.addEventListener("error", failed);
                return xhr;
            };
        });
    }
})();
