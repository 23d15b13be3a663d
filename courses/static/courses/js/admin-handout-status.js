// Follows a handout being built: polls its status once a second until it is ready or failed.
(function () {
    "use strict";

    var box = document.querySelector("[data-handout-status]");
    if (!box || box.dataset.status === "ready" || box.dataset.status === "failed") { return; }
    var building = box.querySelector("[data-handout-building]");
    var bar = box.querySelector("[data-handout-progress]");
    var percent = box.querySelector("[data-handout-percent]");

    function poll() {
        fetch(box.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
            bar.value = data.progress;
            percent.textContent = data.progress + "%";
            if (data.status === "ready" || data.status === "failed") {
                // Rendered by the server (escaped there): the lectures left out, with links.
                box.querySelector("[data-handout-left-out]").innerHTML = data.left_out || "";
            }
            if (data.status === "ready") {
                building.hidden = true;
                box.querySelector("[data-handout-pages]").textContent = data.pages ? box.dataset.pagesTemplate.replace("{n}", data.pages) : "";
                box.querySelector("[data-handout-ready]").hidden = false;
            } else if (data.status === "failed") {
                building.hidden = true;
                box.querySelector("[data-handout-error]").textContent = data.error;
                box.querySelector("[data-handout-failed]").hidden = false;
            } else {
                window.setTimeout(poll, 1000);
            }
        }).catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 500);
})();
