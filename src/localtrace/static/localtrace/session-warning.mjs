// Warn before the server signs a user out for inactivity, and let them stay signed in.
// The server enforces the time-out itself; this only gives people the chance to keep their work.
export function startSessionWarning (body) {
  const idleSeconds = Number(body.dataset.sessionIdleSeconds)
  const warningSeconds = Number(body.dataset.sessionWarningSeconds)
  // The server counts from when it last recorded activity, which may be a little before this page loaded.
  const firstSecondsLeft = Number(body.dataset.sessionSecondsLeft) || idleSeconds
  const banner = document.querySelector('[data-session-warning]')
  if (!idleSeconds || !banner) return

  const form = banner.querySelector('[data-session-keep-alive]')
  let warnTimer
  let signOutTimer

  function schedule (secondsLeft) {
    clearTimeout(warnTimer)
    clearTimeout(signOutTimer)
    banner.hidden = true
    warnTimer = setTimeout(() => {
      banner.hidden = false
      banner.querySelector('button').focus()
    }, Math.max(secondsLeft - warningSeconds, 1) * 1000)
    // Ask the server, which decides: it signs the session out if it really has been idle
    // (it may not have been, if the person was busy in another tab).
    signOutTimer = setTimeout(() => {
      window.location.assign(window.location.href)
    }, (secondsLeft + 2) * 1000)
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const response = await fetch(form.action, {
      method: 'POST',
      body: new FormData(form),
      headers: { 'X-Requested-With': 'fetch' },
      credentials: 'same-origin'
    })
    if (response.ok) {
      schedule(idleSeconds)
    } else {
      window.location.assign('/signed-out/?reason=inactive')
    }
  })

  schedule(firstSecondsLeft)
}
