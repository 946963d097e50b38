// Operator administration: small enhancements; every page works without them.
(function () {
  'use strict';
  // The new-principal form shows only the fields of the chosen role (the page ignores the others).
  function showRoleFields(select) {
    var role = select.value;
    var parts = document.querySelectorAll('[data-for-role]');
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].getAttribute('data-for-role') === role) parts[i].removeAttribute('hidden');
      else parts[i].setAttribute('hidden', '');
    }
  }
  function roleSelect() {
    return document.querySelector('form.new-principal select[name="role"]');
  }
  document.addEventListener('change', function (event) {
    var select = roleSelect();
    if (select && event.target === select) showRoleFields(select);
  });
  document.addEventListener('DOMContentLoaded', function () {
    var select = roleSelect();
    if (select) showRoleFields(select);
  });
})();
