// OneClick console, buyer pages: enhancements only; every page works without them.
(function () {
  'use strict';

  // ---- Parts shown for one choice: <div data-when="name=value"> -------------------------------
  function chosen(scope, name) {
    var controls = scope.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < controls.length; i++) {
      var c = controls[i];
      if (c.type === 'radio' && c.checked) return c.value;
      if (c.type === 'checkbox') return c.checked ? 'on' : 'off';
    }
    return undefined;
  }
  function applyWhen() {
    var parts = document.querySelectorAll('[data-when]');
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      var rule = part.getAttribute('data-when').split('=');
      var scope = part.closest('form') || document;
      var value = chosen(scope, rule[0]);
      if (value === undefined) continue;
      if (value === rule[1]) part.removeAttribute('hidden');
      else part.setAttribute('hidden', '');
    }
  }
  document.addEventListener('change', function (event) {
    if (event.target.type === 'radio' || event.target.type === 'checkbox') {
      applyWhen();
      checkPassword();
    }
  });

  // ---- ECS password rules, as the buyer types (the API checks them again) ----------------------
  var SPECIALS = '!@$%^-_=+[{}]:,./?';
  function ruleStates(password) {
    var chars = Array.from(password);
    var special = function (c) {
      return SPECIALS.indexOf(c) >= 0;
    };
    var allowed = chars.every(function (c) {
      return /^[A-Za-z0-9]$/.test(c) || special(c);
    });
    var classes = [/[A-Z]/.test(password), /[a-z]/.test(password), /[0-9]/.test(password)]
      .concat([chars.some(special)])
      .filter(Boolean).length;
    var lower = password.toLowerCase();
    return {
      length: chars.length >= 8 && chars.length <= 26,
      chars: chars.length > 0 && allowed,
      classes: classes >= 3,
      user: chars.length > 0 && lower.indexOf('root') < 0 && lower.indexOf('toor') < 0,
    };
  }
  /** Marks each rule met or not; answers whether all are met (true when no rules apply). */
  function checkPassword() {
    var input = document.querySelector('[data-password-rules]');
    if (!input) return true;
    var form = input.form;
    if (form && chosen(form, 'serverMode') === 'existing') return true;
    var list = document.getElementById(input.id + '-rules');
    if (!list) return true;
    var states = ruleStates(input.value);
    var all = true;
    var items = list.querySelectorAll('[data-rule]');
    for (var i = 0; i < items.length; i++) {
      var met = !!states[items[i].getAttribute('data-rule')];
      all = all && met;
      var state = input.value === '' ? 'unknown' : met ? 'met' : 'unmet';
      if (items[i].getAttribute('data-state') !== state) {
        items[i].setAttribute('data-state', state);
        var said = items[i].querySelector('.rule-said');
        if (said) said.textContent = state === 'unknown' ? '' : list.getAttribute('data-' + state);
      }
    }
    return all;
  }
  document.addEventListener('input', function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute('data-password-rules')) {
      checkPassword();
    }
    var form = event.target.form;
    if (form && form.id === 'deploy-form') hideSummary(form);
  });

  // ---- Start Deployment: a summary of what will be created, then Confirm ----------------------
  function labelOf(control) {
    var label =
      control.closest('label') || document.querySelector('label[for="' + control.id + '"]');
    return label ? label.textContent.trim() : control.name;
  }
  function valueOf(control) {
    if (control.tagName === 'SELECT') {
      var option = control.options[control.selectedIndex];
      return option && option.value !== '' ? option.textContent.trim() : '';
    }
    return control.value.trim();
  }
  function visible(el) {
    return !el.closest('[hidden]');
  }
  function buildSummary(form, submit) {
    var list = document.getElementById('deploy-summary-list');
    while (list.firstChild) list.removeChild(list.firstChild);
    var sets = form.querySelectorAll('fieldset[data-summary]');
    for (var i = 0; i < sets.length; i++) {
      var set = sets[i];
      if (!visible(set)) continue;
      var parts = [];
      if (set.hasAttribute('data-summary-secret')) {
        parts.push(submit.getAttribute('data-password-word'));
      } else {
        var radio = set.querySelector('input[type=radio]:checked');
        if (radio) parts.push(labelOf(radio));
        var box = set.querySelector('input[type=checkbox]');
        if (box && box.checked) parts.push(labelOf(box));
        var controls = set.querySelectorAll('[data-summary-value]');
        for (var j = 0; j < controls.length; j++) {
          if (!visible(controls[j])) continue;
          var value = valueOf(controls[j]);
          if (value) parts.push(labelOf(controls[j]) + ': ' + value);
        }
        if (box && !box.checked && !radio) continue;
      }
      var dt = document.createElement('dt');
      dt.textContent = set.getAttribute('data-summary');
      var dd = document.createElement('dd');
      dd.textContent = parts.join('; ');
      list.appendChild(dt);
      list.appendChild(dd);
    }
  }
  function hideSummary(form) {
    var summary = document.getElementById('deploy-summary');
    var submit = document.getElementById('deploy-submit');
    if (!summary || summary.hasAttribute('hidden')) return;
    summary.setAttribute('hidden', '');
    if (submit) submit.removeAttribute('hidden');
    form.removeAttribute('data-reviewed');
  }
  function passwordError(input, message) {
    var id = input.id + '-client-error';
    var p = document.getElementById(id);
    if (!message) {
      if (p) p.parentNode.removeChild(p);
      return;
    }
    if (!p) {
      p = document.createElement('p');
      p.className = 'error';
      p.id = id;
      p.setAttribute('role', 'alert');
      input.parentNode.appendChild(p);
      input.setAttribute(
        'aria-describedby',
        (input.getAttribute('aria-describedby') || '') + ' ' + id,
      );
    }
    p.textContent = message;
  }
  function setUpDeployForm() {
    var form = document.getElementById('deploy-form');
    var submit = document.getElementById('deploy-submit');
    if (!form || !submit) return;
    submit.textContent = submit.getAttribute('data-review-label');
    form.addEventListener('submit', function (event) {
      var by = event.submitter;
      if (form.hasAttribute('data-reviewed') && by && by.id === 'deploy-confirm') {
        // One start per form: the buttons go quiet once it is on its way.
        setTimeout(function () {
          by.disabled = true;
          var change = document.getElementById('deploy-change');
          if (change) change.disabled = true;
        }, 0);
        return;
      }
      event.preventDefault();
      var password = form.querySelector('[data-password-rules]');
      if (password) {
        var rulesOk = checkPassword();
        var empty = password.value === '';
        passwordError(
          password,
          empty
            ? password.getAttribute('data-msg-empty')
            : rulesOk
              ? ''
              : password.getAttribute('data-msg-rules'),
        );
        if (empty || !rulesOk) {
          password.focus();
          return;
        }
      }
      buildSummary(form, submit);
      var summary = document.getElementById('deploy-summary');
      summary.removeAttribute('hidden');
      submit.setAttribute('hidden', '');
      form.setAttribute('data-reviewed', 'true');
      var title = document.getElementById('deploy-summary-title');
      if (title) title.focus();
    });
    var change = document.getElementById('deploy-change');
    if (change) {
      change.addEventListener('click', function () {
        hideSummary(form);
        submit.focus();
      });
    }
  }

  // ---- The live deployment panel -------------------------------------------------------------
  // The panel comes from the server (htmx's SSE extension swaps it in). What lies outside it
  // (the license, the hardware-ID form, Cancel) is rendered with the page: when the deployment
  // ends or starts or stops waiting for the buyer, the page is fetched again.
  var rendered;
  function panel() {
    return document.querySelector('#deployment-live .deploy-panel');
  }
  function keyOf(p) {
    return p.getAttribute('data-finished') + '|' + p.getAttribute('data-awaiting');
  }
  function watchPanel() {
    var p = panel();
    if (!p) return;
    if (rendered === undefined) {
      rendered = keyOf(p);
      return;
    }
    var announce = document.getElementById('deployment-announce');
    var summary = p.getAttribute('data-summary');
    if (announce && announce.textContent !== summary) announce.textContent = summary;
    if (keyOf(p) !== rendered) {
      rendered = keyOf(p);
      window.location.reload();
    }
  }
  document.addEventListener('htmx:sseMessage', watchPanel);
  document.addEventListener('htmx:afterSettle', watchPanel);

  function start() {
    applyWhen();
    checkPassword();
    setUpDeployForm();
    watchPanel();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
