// OneClick console: small progressive enhancements; every page works without them.
(function () {
  'use strict';
  // <button data-copy="#id">: copies the element's text (or value) to the clipboard.
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-copy]');
    if (!button) return;
    var target = document.querySelector(button.getAttribute('data-copy'));
    if (!target) return;
    var text = 'value' in target && target.value ? target.value : target.textContent;
    navigator.clipboard.writeText(text.trim()).then(function () {
      var done = button.getAttribute('data-copied');
      if (done) {
        var before = button.textContent;
        button.textContent = done;
        setTimeout(function () {
          button.textContent = before;
        }, 1500);
      }
    });
  });
  // <button data-reveal="#id" aria-controls="id" aria-expanded="false">: shows or hides it.
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-reveal]');
    if (!button) return;
    var target = document.querySelector(button.getAttribute('data-reveal'));
    if (!target) return;
    var open = target.hasAttribute('hidden');
    if (open) target.removeAttribute('hidden');
    else target.setAttribute('hidden', '');
    button.setAttribute('aria-expanded', String(open));
    var label = button.getAttribute(open ? 'data-hide-label' : 'data-show-label');
    if (label) button.textContent = label;
  });
  // <form data-confirm="Really?">: asks before it is sent.
  document.addEventListener(
    'submit',
    function (event) {
      var form = event.target;
      var question = form.getAttribute && form.getAttribute('data-confirm');
      if (question && !window.confirm(question)) event.preventDefault();
    },
    true,
  );
})();
