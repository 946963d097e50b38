// OneClick console, operator deployments: small enhancements; the pages work without them.
(function () {
  'use strict';
  // <form method="get" data-drop-blank>: blank filters stay out of the URL, so a shared link
  // names only the filters that apply.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute('data-drop-blank')) return;
    var fields = form.querySelectorAll('input[name], select[name]');
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value === '') fields[i].disabled = true;
    }
    // Re-enabled at once, so going back to this page finds the form as it was.
    setTimeout(function () {
      for (var j = 0; j < fields.length; j++) fields[j].disabled = false;
    }, 0);
  });
})();
