// OneClick console, seller supervision: the acceptance report upload of "Confirm completion".
// Without this script the form still confirms (the report is then OneClick's delivery evidence).
(function () {
  'use strict';

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return name in values ? values[name] : whole;
    });
  }

  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  function setup(form) {
    var fileInput = form.querySelector('input[type=file][name=report]');
    var shaInput = form.querySelector('input[name=acceptanceReportSha256]');
    var nameInput = form.querySelector('input[name=reportName]');
    var tzInput = form.querySelector('input[name=tzOffset]');
    var csrf = form.querySelector('input[name=_csrf]');
    var status = form.querySelector('.upload-status');
    var bar = form.querySelector('#report-progress');
    var message = form.querySelector('.upload-message');
    var submit = form.querySelector('button[type=submit]');
    var field = fileInput && fileInput.closest('.field');
    var types = (form.getAttribute('data-types') || '').split(',');
    var maxBytes = Number(form.getAttribute('data-max-bytes') || '0');
    var busy = false;

    // The file field needs this script; the words for a browser without it go.
    Array.prototype.forEach.call(form.querySelectorAll('.needs-js'), function (el) {
      el.removeAttribute('hidden');
    });
    Array.prototype.forEach.call(form.querySelectorAll('.no-js-only'), function (el) {
      el.setAttribute('hidden', '');
    });
    // datetime-local is the browser's local time: the server needs its offset from UTC.
    if (tzInput) tzInput.value = String(new Date().getTimezoneOffset());
    if (!fileInput) return;

    function showError(text) {
      var error = field.querySelector('.error');
      if (!error) {
        error = document.createElement('p');
        error.className = 'error';
        error.id = 'f-report-error';
        error.setAttribute('role', 'alert');
        field.appendChild(error);
      }
      error.textContent = text;
      field.classList.add('invalid');
      fileInput.setAttribute('aria-invalid', 'true');
      var described = (fileInput.getAttribute('aria-describedby') || '').split(' ');
      if (described.indexOf('f-report-error') < 0) described.push('f-report-error');
      fileInput.setAttribute('aria-describedby', described.join(' ').trim());
      fileInput.focus();
    }

    function clearError() {
      var error = field.querySelector('.error');
      if (error) error.parentNode.removeChild(error);
      field.classList.remove('invalid');
      fileInput.removeAttribute('aria-invalid');
    }

    fileInput.addEventListener('change', function () {
      // A new file replaces the one uploaded before.
      shaInput.value = '';
      nameInput.value = '';
      message.textContent = '';
      clearError();
    });

    form.addEventListener('submit', function (event) {
      if (busy) {
        event.preventDefault();
        return;
      }
      var file = fileInput.files && fileInput.files[0];
      if (!file || shaInput.value) return; // nothing to upload, or already uploaded
      event.preventDefault();
      clearError();
      if (types.indexOf(file.type) < 0) return showError(form.getAttribute('data-msg-type'));
      if (file.size === 0) return showError(form.getAttribute('data-msg-empty'));
      if (maxBytes && file.size > maxBytes) {
        return showError(form.getAttribute('data-msg-too-large'));
      }
      busy = true;
      submit.disabled = true;
      status.removeAttribute('hidden');
      bar.value = 0;
      message.textContent = form.getAttribute('data-msg-uploading');
      var url =
        form.getAttribute('data-upload') +
        '?orderId=' +
        encodeURIComponent(form.getAttribute('data-order')) +
        '&fileName=' +
        encodeURIComponent(file.name);
      var xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      xhr.setRequestHeader('Content-Type', file.type);
      xhr.setRequestHeader('X-CSRF-Token', csrf ? csrf.value : '');
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      function fail(text) {
        busy = false;
        submit.disabled = false;
        status.setAttribute('hidden', '');
        message.textContent = '';
        showError(fill(form.getAttribute('data-msg-failed'), { message: text }));
      }
      xhr.addEventListener('load', function () {
        var answer = parseJson(xhr.responseText);
        if (xhr.status === 201 && answer && answer.sha256) {
          bar.value = 100;
          shaInput.value = answer.sha256;
          nameInput.value = answer.fileName;
          message.textContent = fill(form.getAttribute('data-msg-uploaded'), {
            name: answer.fileName,
            sha256: answer.sha256,
          });
          // The file is in: the form posts the confirmation (without the file's bytes).
          fileInput.disabled = true;
          form.submit();
          return;
        }
        fail(
          answer && answer.error && answer.error.message
            ? answer.error.message
            : String(xhr.status),
        );
      });
      xhr.addEventListener('error', function () {
        fail(form.getAttribute('data-msg-network'));
      });
      xhr.send(file);
    });
  }

  function start() {
    var form = document.getElementById('confirm-form');
    if (form) setup(form);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
