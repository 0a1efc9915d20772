// Node 20 + Socket.IO 4 (websocket transport only): the framework users compare us with.
import { createServer } from "node:http";
import { Server } from "socket.io";

let seq = 0;
const http = createServer();
const io = new Server(http, { transports: ["websocket"], perMessageDeflate: false, serveClient: false });
io.on("connection", (socket) => {
  socket.join("room");
  socket.on("msg", (m) => {
    m.seq = ++seq;
    io.to("room").emit("msg", m);
  });
});
http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => console.log(`listening ${http.address().port}`));
