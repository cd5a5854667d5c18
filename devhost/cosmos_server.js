// Starts the local Cosmos DB server with HTTP keep-alive. The package's CLI answers every
// request with "Connection: close", which makes each SDK call pay a new TLS handshake
// (about 20 ms here); keeping connections open makes a document write about 1 ms.
const { createHttpsServer } = require("@vercel/cosmosdb-server");

const port = parseInt(process.argv[2] || "8081", 10);
createHttpsServer({ keepAlive: true }).listen(port, "127.0.0.1", () => {
  console.log(`cosmos ready on 127.0.0.1:${port}`);
});
