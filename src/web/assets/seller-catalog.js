// OneClick console, seller catalog: sends a package file straight to the console's streamed upload
// with a progress bar, then shows its SHA-256. The words come from the page (data- attributes).
(function () {
  'use strict';

  var UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

  // The same as formatBytes in src/web/seller/catalog/format.ts.
  function formatBytes(bytes) {
    var value = bytes;
    var unit = 0;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit += 1;
    }
    var shown = unit === 0 || value >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
    return shown + ' ' + UNITS[unit];
  }

  function fill(template, vars) {
    return (template || '').replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole;
    });
  }

  // The session's CSRF token, which every page puts on <body hx-headers> for htmx.
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRF-Token'] || '';
    } catch {
      return '';
    }
  }

  // Replaces the page's package list with the one the server renders now.
  function refreshList() {
    var list = document.getElementById('package-list');
    if (!list || !window.fetch || !window.DOMParser) return;
    fetch(window.location.href, { credentials: 'same-origin' })
      .then(function (res) {
        return res.ok ? res.text() : '';
      })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser()
          .parseFromString(html, 'text/html')
          .getElementById('package-list');
        if (fresh) list.innerHTML = fresh.innerHTML;
      })
      .catch(function () {});
  }

  function upload(form, file) {
    var part = function (selector) {
      return form.querySelector(selector);
    };
    var button = part('button[type="submit"]');
    var box = part('.upload-progress');
    var bar = part('progress');
    var bytes = part('.upload-bytes');
    var status = part('.upload-status');
    var error = part('.upload-error');
    var result = part('.upload-result');

    error.textContent = '';
    status.textContent = '';
    result.hidden = true;
    bar.max = file.size || 1;
    bar.value = 0;
    bytes.textContent = '';
    box.hidden = false;
    button.disabled = true;

    var url = form.getAttribute('data-upload-url') + '&fileName=' + encodeURIComponent(file.name);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('X-CSRF-Token', csrfToken());
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = function (event) {
      var total = event.lengthComputable ? event.total : file.size;
      bar.max = total || 1;
      bar.value = event.loaded;
      bytes.textContent = fill(form.getAttribute('data-msg-progress'), {
        loaded: formatBytes(event.loaded),
        total: formatBytes(total),
        percent: total ? Math.floor((event.loaded * 100) / total) : 100,
      });
    };
    xhr.upload.onload = function () {
      bar.value = bar.max;
      status.textContent = form.getAttribute('data-msg-hashing');
    };
    xhr.onload = function () {
      button.disabled = false;
      var body;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 201 && body && body.sha256) {
        status.textContent = fill(form.getAttribute('data-msg-done'), { file: body.fileName });
        result.querySelector('[data-result="fileName"]').textContent = body.fileName;
        result.querySelector('[data-result="size"]').textContent = body.size;
        result.querySelector('[data-result="sha256"]').textContent = body.sha256;
        result.hidden = false;
        form.querySelector('input[type="file"]').value = '';
        refreshList();
        return;
      }
      box.hidden = true;
      status.textContent = '';
      error.textContent =
        body && body.error && body.error.message
          ? body.error.message
          : form.getAttribute('data-msg-network');
    };
    xhr.onerror = xhr.onabort = function () {
      button.disabled = false;
      box.hidden = true;
      status.textContent = '';
      error.textContent = form.getAttribute('data-msg-network');
    };
    xhr.send(file);
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.matches || !form.matches('form[data-package-upload]')) return;
    var input = form.querySelector('input[type="file"]');
    var file = input && input.files && input.files[0];
    if (!file || !window.XMLHttpRequest) return;
    event.preventDefault();
    upload(form, file);
  });
})();
