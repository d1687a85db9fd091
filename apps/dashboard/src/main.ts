// Skeleton: the views come next.
const app = document.getElementById('app');
if (app) app.textContent = 'Pulse';
