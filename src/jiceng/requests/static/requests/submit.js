// The public request form: "use my location" fills the hidden lon,lat field; the chosen
// category's note is shown under it; the photo count is shown; one tap sends once.
(function () {
  "use strict";
  var form = document.getElementById("intake");
  if (!form) return;
  var locate = document.getElementById("locate");
  var field = form.querySelector("input[name=location]");
  var status = document.getElementById("locate-status");
  if (navigator.geolocation && locate && field) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.textContent = "正在定位…";
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var lon = pos.coords.longitude.toFixed(6), lat = pos.coords.latitude.toFixed(6);
        field.value = lon + "," + lat;
        status.textContent = "已定位：经度 " + lon + "，纬度 " + lat + "（误差约 " + Math.round(pos.coords.accuracy) + " 米）";
        locate.textContent = "重新定位";
        locate.disabled = false;
      }, function (err) {
        status.textContent = err.code === 1 ? "没有定位权限：请在下面填写地址，或在浏览器设置中允许定位后重试"
                                            : "暂时无法定位：请在下面填写地址";
        locate.disabled = false;
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  }

  var category = form.querySelector("select[name=category]");
  var note = document.getElementById("category-note");
  var notes = {};
  document.querySelectorAll("#category-notes li").forEach(function (li) { notes[li.dataset.code] = li.textContent; });
  function showNote() { note.textContent = notes[category.value] || ""; }
  if (category && note) { category.addEventListener("change", showNote); showNote(); }

  var photos = form.querySelector("input[name=photos]");
  var count = document.getElementById("photo-count");
  if (photos && count) {
    photos.addEventListener("change", function () {
      count.textContent = photos.files.length ? "已选择 " + photos.files.length + " 张照片" : "";
    });
  }

  var send = document.getElementById("send");
  form.addEventListener("submit", function () {
    send.disabled = true;
    send.textContent = "正在提交…";
  });
  window.addEventListener("pageshow", function () {  // back from the next page: the form may be used again
    send.disabled = false;
    send.textContent = "提交";
  });
})();
