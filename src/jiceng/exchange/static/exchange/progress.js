// Polls an import's progress record and moves the bar; reloads the page when the task ends.
(function () {
  var box = document.querySelector("[data-progress-url]");
  if (!box) return;
  var bar = box.querySelector("progress"), label = box.querySelector("[data-label]");
  function poll() {
    fetch(box.dataset.progressUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (p) {
        bar.value = p.percent;
        label.textContent = p.phase + " " + p.percent + "%（" + p.done.toLocaleString() + " / " +
          p.total.toLocaleString() + " 行" + remaining(p.remaining_seconds) + "）";
        if (p.interrupted || (p.status !== "previewing" && p.status !== "committing")) { window.location.reload(); return; }
        setTimeout(poll, 1000);
      }).catch(function () { setTimeout(poll, 3000); });
  }
  function remaining(seconds) {
    if (seconds === null || seconds === undefined) return "";
    return seconds < 60 ? "，不到 1 分钟完成" : "，约 " + Math.ceil(seconds / 60) + " 分钟后完成";
  }
  poll();
})();
