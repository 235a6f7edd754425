/* Cupola hosted UI: the passkey ceremonies, the only script the hosted UI
   serves, and the only one its pages may run (the passkey pages' CSP is
   script-src 'self'; every other page allows no script at all).

   The page's form says what to do (data-passkey: "get" signs in, "create"
   adds a passkey) and carries the server's options as JSON
   (data-options: binary fields in base64url). The script hands them to
   navigator.credentials, writes the credential it gets back as JSON
   (PublicKeyCredential.toJSON() form: binary fields in base64url without
   padding) into the form's hidden "credential" field, and submits the
   form, CSRF token and all. It reaches nothing else: connect-src is
   'none'. Without it, the pages say that passkeys need JavaScript. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-passkey]");
  if (!form) {
    return;
  }
  var mode = form.getAttribute("data-passkey") === "create" ? "create" : "get";
  var field = form.querySelector('input[name="credential"]');
  var button = form.querySelector('button[type="submit"]');
  var statusBox = document.getElementById("passkey-status");
  var errorBox = document.getElementById("passkey-error");
  var busy = false;

  function show(el, text) {
    if (el) {
      el.textContent = text;
      el.hidden = !text;
    }
  }

  // --- base64url ---------------------------------------------------------

  function fromB64url(s) {
    s = String(s).replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function toB64url(buf) {
    var bytes = buf instanceof ArrayBuffer ? new Uint8Array(buf) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // --- options: JSON to what navigator.credentials takes ------------------

  function descriptors(list) {
    return (list || []).map(function (d) {
      var c = {};
      for (var k in d) {
        c[k] = d[k];
      }
      c.id = fromB64url(d.id);
      return c;
    });
  }

  function copy(o) {
    var c = {};
    for (var k in o) {
      c[k] = o[k];
    }
    return c;
  }

  function requestOptions(json) {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
      try {
        return PublicKeyCredential.parseRequestOptionsFromJSON(json);
      } catch (e) {
        // An older parser refusing a member: decode by hand below.
      }
    }
    var o = copy(json);
    o.challenge = fromB64url(json.challenge);
    if (json.allowCredentials) {
      o.allowCredentials = descriptors(json.allowCredentials);
    }
    return o;
  }

  function creationOptions(json) {
    if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
      try {
        return PublicKeyCredential.parseCreationOptionsFromJSON(json);
      } catch (e) {
        // As above.
      }
    }
    var o = copy(json);
    o.challenge = fromB64url(json.challenge);
    o.user = copy(json.user);
    o.user.id = fromB64url(json.user.id);
    if (json.excludeCredentials) {
      o.excludeCredentials = descriptors(json.excludeCredentials);
    }
    return o;
  }

  // --- the credential: to JSON --------------------------------------------

  function credentialJSON(cred) {
    if (typeof cred.toJSON === "function") {
      try {
        return cred.toJSON();
      } catch (e) {
        // Serialize by hand below.
      }
    }
    var r = cred.response;
    var out = {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      clientExtensionResults: typeof cred.getClientExtensionResults === "function" ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64url(r.clientDataJSON) }
    };
    if (cred.authenticatorAttachment) {
      out.authenticatorAttachment = cred.authenticatorAttachment;
    }
    if (r.attestationObject) {
      out.response.attestationObject = toB64url(r.attestationObject);
      if (typeof r.getTransports === "function") {
        out.response.transports = r.getTransports();
      }
    } else {
      out.response.authenticatorData = toB64url(r.authenticatorData);
      out.response.signature = toB64url(r.signature);
      if (r.userHandle) {
        out.response.userHandle = toB64url(r.userHandle);
      }
    }
    return out;
  }

  // --- the ceremony -------------------------------------------------------

  function explain(err) {
    var name = err && err.name;
    if (mode === "get") {
      switch (name) {
        case "NotAllowedError":
        case "AbortError":
          return "No passkey was used: the request was cancelled or timed out. Try again, or sign in with your password.";
        case "SecurityError":
          return "Passkeys cannot be used at this page's address. Sign in with your password.";
        case "NotSupportedError":
          return "This browser or device cannot use passkeys. Sign in with your password.";
      }
      return "Your browser could not use a passkey. Try again, or sign in with your password.";
    }
    switch (name) {
      case "NotAllowedError":
      case "AbortError":
        return "No passkey was added: the request was cancelled or timed out. Try again, or choose Not now.";
      case "InvalidStateError":
        return "This device already holds a passkey for your account.";
      case "SecurityError":
        return "Passkeys cannot be added at this page's address.";
      case "NotSupportedError":
        return "This browser or device cannot create passkeys.";
    }
    return "Your browser could not create a passkey. Try again, or choose Not now.";
  }

  function fail(err) {
    busy = false;
    button.disabled = false;
    if (mode === "get") {
      button.textContent = "Try again";
    }
    show(statusBox, "");
    show(errorBox, explain(err));
    if (errorBox) {
      errorBox.focus();
    }
  }

  function run() {
    if (busy) {
      return;
    }
    busy = true;
    button.disabled = true;
    show(errorBox, "");
    show(statusBox, mode === "get" ? "Waiting for your passkey\u2026" : "Follow your browser\u2019s steps to create a passkey\u2026");
    var call;
    try {
      var options = JSON.parse(form.getAttribute("data-options"));
      call = mode === "create" ?
        navigator.credentials.create({ publicKey: creationOptions(options) }) :
        navigator.credentials.get({ publicKey: requestOptions(options) });
    } catch (e) {
      fail(e);
      return;
    }
    call.then(function (cred) {
      if (!cred) {
        fail({ name: "NotAllowedError" });
        return;
      }
      field.value = JSON.stringify(credentialJSON(cred));
      show(statusBox, mode === "get" ? "Signing you in\u2026" : "Saving your passkey\u2026");
      form.submit();
    }, fail);
  }

  if (!field || !button) {
    return;
  }
  if (!window.PublicKeyCredential || !navigator.credentials || window.isSecureContext === false) {
    show(errorBox, mode === "get" ?
      "This browser cannot use passkeys here. Sign in with your password instead." :
      "This browser cannot create passkeys here. Continue without one for now.");
    return;
  }
  button.hidden = false;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    run();
  });
  if (mode === "get" && form.hasAttribute("data-autostart")) {
    run();
  }
})();
